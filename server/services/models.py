"""ModelService: the registry (get/list/delete). Export and deployment come with later issues."""

from __future__ import annotations

import asyncio

from kiln.v1 import models_pb2, models_pb2_grpc

from server import names
from server.artifacts import ArtifactStore
from server.context import current_tenant
from server.errors import NotFound, Unimplemented
from server.services.convert import model_proto
from server.store.models import ModelStore

_FAMILY = {0: None, 1: "causal_lm", 2: "reward_model", 3: "image"}


class ModelService(models_pb2_grpc.ModelServiceServicer):
    def __init__(self, store: ModelStore, artifacts: ArtifactStore):
        self.store = store
        self.artifacts = artifacts

    async def GetModel(self, request, context):
        return model_proto(await self._record(request.name))

    async def ListModels(self, request, context):
        family = _FAMILY.get(request.family)
        records, token = await self.store.list_page(
            current_tenant(), request.page_size, request.page_token, f"models:{family}",
            (lambda r: r.get("family") == family) if family else None,
        )
        return models_pb2.ListModelsResponse(models=[model_proto(r) for r in records], next_page_token=token)

    async def DeleteModel(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        await self.store.delete(tenant, record["id"])
        await asyncio.to_thread(self.artifacts.delete, record["artifact_rel"])
        return models_pb2.DeleteModelResponse()

    async def ExportModel(self, request, context):
        raise Unimplemented("ModelService.ExportModel (quantization, pruning) is not available yet")

    async def DeployModel(self, request, context):
        raise Unimplemented("ModelService.DeployModel is not available yet")

    async def UndeployModel(self, request, context):
        raise Unimplemented("ModelService.UndeployModel is not available yet")

    async def _record(self, name: str) -> dict[str, str]:
        record = await self.store.get(current_tenant(), names.parse(name, "models"))
        if record is None:
            raise NotFound("model", name)
        return record
