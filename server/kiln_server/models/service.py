"""ModelService: the registry (get/list/delete) and deployments on Ray Serve."""

from __future__ import annotations

import asyncio

from kiln.v1 import models_pb2, models_pb2_grpc
from kiln_server.models.convert import model_proto
from kiln_server.models.export import ModelExporter, parse_export
from kiln_server.models.store import ModelStore
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, NotFound, Unimplemented
from kiln_server.sampling.cache import SamplingCache
from kiln_server.sampling.router import Router
from kiln_trainer.models.registry import BUILTIN_MODELS

_FAMILY = {0: None, 1: "causal_lm", 2: "reward_model", 3: "image"}
_TARGETS = {models_pb2.DEPLOYMENT_TARGET_RAY_SERVE: "RAY_SERVE", models_pb2.DEPLOYMENT_TARGET_TRITON: "TRITON"}
MAX_REPLICAS = 64


class ModelService(models_pb2_grpc.ModelServiceServicer):
    def __init__(
        self,
        store: ModelStore,
        artifacts: ArtifactStore,
        router: Router,
        cache: SamplingCache,
        exporter: ModelExporter | None = None,
    ):
        self.store = store
        self.artifacts = artifacts
        self.router = router
        self.cache = cache
        self.exporter = exporter

    async def GetModel(self, request, context):
        tenant = current_tenant()
        if request.name in BUILTIN_MODELS:  # built-ins have no record, but can be deployed
            return await self._model_view(tenant, request.name)
        record = await self._record(request.name)
        return model_proto(record, await self.router.deployment_of(tenant, record["id"]))

    async def ListModels(self, request, context):
        tenant = current_tenant()
        family = _FAMILY.get(request.family)
        records, token = await self.store.list_page(
            tenant,
            request.page_size,
            request.page_token,
            f"models:{family}",
            (lambda r: r.get("family") == family) if family else None,
        )
        deps = await asyncio.gather(*(self.router.deployment_of(tenant, r["id"]) for r in records))
        return models_pb2.ListModelsResponse(
            models=[model_proto(r, d) for r, d in zip(records, deps, strict=True)], next_page_token=token
        )

    async def DeleteModel(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        if await self.router.deployment_of(tenant, record["id"]):
            raise FailedPrecondition(f"{request.name} is deployed: call UndeployModel first", subject=request.name)
        await self.store.delete(tenant, record["id"])
        await self.cache.invalidate(tenant, record["version"])
        await asyncio.to_thread(self.artifacts.delete, record["artifact_rel"])
        return models_pb2.DeleteModelResponse()

    async def ExportModel(self, request, context):
        spec = parse_export(request)
        if self.exporter is None:
            raise Unimplemented("ModelService.ExportModel is not configured in this gateway")
        tenant = current_tenant()
        model_id = await self.exporter.export(tenant, spec)
        return await self._model_view(tenant, f"models/{model_id}")

    async def DeployModel(self, request, context):
        target = _TARGETS.get(request.target)
        violations = []
        if target is None:
            violations.append(("target", "required: DEPLOYMENT_TARGET_RAY_SERVE or DEPLOYMENT_TARGET_TRITON"))
        if request.replicas > MAX_REPLICAS:
            violations.append(("replicas", f"at most {MAX_REPLICAS}, got {request.replicas}"))
        if request.max_replicas and request.min_replicas > request.max_replicas:
            violations.append(("min_replicas", f"{request.min_replicas} exceeds max_replicas {request.max_replicas}"))
        if request.max_replicas > MAX_REPLICAS:
            violations.append(("max_replicas", f"at most {MAX_REPLICAS}, got {request.max_replicas}"))
        if request.min_replicas and not request.max_replicas:
            violations.append(("max_replicas", "required when min_replicas is set (autoscaling needs both bounds)"))
        if violations:
            from kiln_server.platform.errors import FieldViolation

            raise InvalidArgument([FieldViolation(f, d) for f, d in violations])
        name = self._model_name(request.name)
        tenant = current_tenant()
        await self.router.deploy(
            tenant, name, target, max(1, request.replicas), request.min_replicas, request.max_replicas
        )
        return await self._model_view(tenant, name)

    async def UndeployModel(self, request, context):
        name = self._model_name(request.name)
        tenant = current_tenant()
        await self.router.undeploy(tenant, name)
        return await self._model_view(tenant, name)

    def _model_name(self, name: str) -> str:
        if name in BUILTIN_MODELS or (name and "/" not in name):  # the router: NOT_FOUND listing built-ins
            return name
        names.parse(name, "models")
        return name

    async def _model_view(self, tenant: str, name: str) -> models_pb2.Model:
        """The model with its deployment; built-ins get a synthetic record."""
        ref = await self.router.model_ref(tenant, name)
        record = ref.record or {
            "id": name,
            "display_name": name,
            "family": "causal_lm",
            "base_model": name,
            "version": ref.version,
        }
        model = model_proto(record, await self.router.deployment_of(tenant, ref.model_id))
        if ref.record is None:
            model.name = name
        return model

    async def _record(self, name: str) -> dict[str, str]:
        record = await self.store.get(current_tenant(), names.parse(name, "models"))
        if record is None:
            raise NotFound("model", name)
        return record
