"""Registered models: deploy, export, undeploy, delete.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

from collections.abc import Iterator

from kiln._transport import Transport
from kiln.messages import enum_number
from kiln.v1 import models_pb2


class ModelCalls(Transport):
    """Calls of ModelService."""

    def get_model(self, name: str) -> models_pb2.Model:
        return self._call(self._models.GetModel, models_pb2.GetModelRequest(name=name))

    def list_models(self, page_size: int = 50) -> Iterator[models_pb2.Model]:
        request = models_pb2.ListModelsRequest(page_size=page_size)
        return self._paginate(self._models.ListModels, request, "models")

    def delete_model(self, name: str) -> None:
        self._call(self._models.DeleteModel, models_pb2.DeleteModelRequest(name=name))

    def deploy_model(
        self,
        name: str,
        target: str | int = "RAY_SERVE",
        replicas: int = 1,
        min_replicas: int = 0,
        max_replicas: int = 0,
    ) -> models_pb2.Model:
        """Deploys a model (or a built-in base model name) for sampling; returns once it is READY."""
        request = models_pb2.DeployModelRequest(
            name=name,
            target=enum_number(models_pb2.DeploymentTarget.DESCRIPTOR, target, "target"),
            replicas=replicas,
            min_replicas=min_replicas,
            max_replicas=max_replicas,
        )
        return self._call(self._models.DeployModel, request, timeout=max(self.timeout, 300.0))

    def export_model(
        self,
        name: str,
        quantization: str | int = "UNSPECIFIED",
        *,
        activation_aware: bool = False,
        calibration_dataset: str = "",
        group_size: int = 0,
        prune_sparsity: float = 0.0,
        structured_pruning: bool = False,
        request_id: str = "",
    ) -> models_pb2.Model:
        """Compresses a model (int8 / int4 weights, pruning) into a new registered model."""
        request = models_pb2.ExportModelRequest(
            name=name,
            # UNSPECIFIED is a real choice here: no quantization (pruning only, or a plain copy).
            quantization=enum_number(
                models_pb2.Quantization.DESCRIPTOR, quantization, "quantization", allow_unset=True
            ),
            activation_aware=activation_aware,
            calibration_dataset=calibration_dataset,
            group_size=group_size,
            prune_sparsity=prune_sparsity,
            structured_pruning=structured_pruning,
            request_id=request_id,
        )
        return self._call(self._models.ExportModel, request, timeout=max(self.timeout, 900.0))

    def undeploy_model(self, name: str) -> models_pb2.Model:
        return self._call(
            self._models.UndeployModel, models_pb2.UndeployModelRequest(name=name), timeout=max(self.timeout, 120.0)
        )
