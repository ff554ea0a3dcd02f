"""ModelService: the registry (get/list/delete), exports, and deployments on Ray Serve or Triton."""

from __future__ import annotations

import asyncio

from kiln.v1 import models_pb2, models_pb2_grpc
from kiln_server.models.convert import model_proto
from kiln_server.models.export import ModelExporter
from kiln_server.models.quota import DeploymentQuota
from kiln_server.models.record import ModelRecord
from kiln_server.models.spec import FAMILIES, parse_deploy, parse_export
from kiln_server.models.store import ModelStore
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, NotFound, Unimplemented
from kiln_server.sampling.cache import SamplingCache
from kiln_server.sampling.router import Router
from kiln_server.tenants.storage import StorageLedger


class ModelService(models_pb2_grpc.ModelServiceServicer):
    def __init__(
        self,
        store: ModelStore,
        artifacts: ArtifactStore,
        router: Router,
        cache: SamplingCache,
        exporter: ModelExporter | None = None,
        quota: DeploymentQuota | None = None,
        ledger: StorageLedger | None = None,
    ):
        self.ledger = ledger
        self.quota = quota
        self.store = store
        self.artifacts = artifacts
        self.router = router
        self.cache = cache
        self.exporter = exporter

    async def GetModel(self, request, context):
        # Through the resolver: a built-in (no record, but deployable), a registered model, or NOT_FOUND
        # listing the built-ins for an unknown base-model name.
        return await self._model_view(current_tenant(), request.name)

    async def ListModels(self, request, context):
        tenant = current_tenant()
        family = FAMILIES.get(request.family)
        records, token = await self.store.list_page(
            tenant,
            request.page_size,
            request.page_token,
            f"models:{family}",
            (lambda r: r.family == family) if family else None,
        )
        deps = await asyncio.gather(*(self.router.deployment_of(tenant, r.id) for r in records))
        return models_pb2.ListModelsResponse(
            models=[model_proto(r, d) for r, d in zip(records, deps, strict=True)], next_page_token=token
        )

    async def DeleteModel(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        if await self.router.deployment_of(tenant, record.id):
            raise FailedPrecondition(f"{request.name} is deployed: call UndeployModel first", subject=request.name)
        await self.store.delete(tenant, record.id)
        self.router.forget(tenant, record.id)
        await self.cache.invalidate(tenant, record.version)
        await asyncio.to_thread(self.artifacts.delete, record.artifact_rel)
        if self.ledger is not None:
            await self.ledger.release(tenant, record.size_bytes)
        return models_pb2.DeleteModelResponse()

    async def ExportModel(self, request, context):
        spec = parse_export(request)
        if self.exporter is None:
            raise Unimplemented("ModelService.ExportModel is not configured in this gateway")
        tenant = current_tenant()
        model_id = await self.exporter.export(tenant, spec)
        return await self._model_view(tenant, f"models/{model_id}")

    async def DeployModel(self, request, context):
        spec = parse_deploy(request)
        tenant = current_tenant()
        if self.quota is not None:
            ref = await self.router.model_ref(tenant, spec.name)
            await self.quota.check(tenant, ref.model_id, max(spec.replicas, spec.max_replicas, 1))
        await self.router.deploy(tenant, spec.name, spec.target, spec.replicas, spec.min_replicas, spec.max_replicas)
        return await self._model_view(tenant, spec.name)

    async def UndeployModel(self, request, context):
        tenant = current_tenant()
        await self.router.undeploy(tenant, request.name)
        return await self._model_view(tenant, request.name)

    async def _model_view(self, tenant: str, name: str) -> models_pb2.Model:
        """The model with its deployment; built-ins get a synthetic record."""
        ref = await self.router.model_ref(tenant, name)
        record = ref.record or ModelRecord(
            id=name,
            display_name=name,
            base_model=name,
            artifact_uri="",
            artifact_rel="",
            version=ref.version,
            create_time=0,
        )
        model = model_proto(record, await self.router.deployment_of(tenant, ref.model_id))
        if ref.record is None:
            model.name = name
        return model

    async def _record(self, name: str) -> ModelRecord:
        record = await self.store.get(current_tenant(), names.parse(name, "models"))
        if record is None:
            raise NotFound("model", name)
        return record
