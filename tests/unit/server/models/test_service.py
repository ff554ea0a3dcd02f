"""ModelService's registry RPCs called in process (no Ray: nothing here deploys)."""

from __future__ import annotations

import pytest

from kiln.v1 import common_pb2
from kiln.v1 import models_pb2 as M
from kiln_server.models.service import ModelService
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.config import KilnConfig
from kiln_server.platform.context import tenant_var
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, NotFound
from kiln_server.sampling.cache import SamplingCache
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.sampling.ray_serve import RayServeBackend
from kiln_server.sampling.record import DeploymentRecord
from kiln_server.sampling.router import Router
from tests.unit.server.records import model_record as record


@pytest.fixture
async def service(redis_client, keys, tmp_path) -> ModelService:
    store, artifacts = ModelStore(redis_client, keys), ArtifactStore(str(tmp_path))
    config = KilnConfig(data_dir=tmp_path, redis_url="redis://unused:6379")
    router = Router(config, store, DeploymentStore(redis_client, keys), artifacts, RayServeBackend())
    for rid, family in (("m-1", "causal_lm"), ("m-2", "reward_model")):
        await store.create("t", record(rid, family))
        (tmp_path / "models/t" / rid).mkdir(parents=True)
    tenant_var.set("t")
    return ModelService(store, artifacts, router, SamplingCache(redis_client, keys, 60, 1000))


async def test_get_and_list_registered_and_builtin_models(service):
    got = await service.GetModel(M.GetModelRequest(name="models/m-1"), None)
    assert got.version == "m-1@abc" and not got.HasField("deployment")
    builtin = await service.GetModel(M.GetModelRequest(name="kiln-gpt-tiny"), None)
    assert builtin.name == "kiln-gpt-tiny" and builtin.version == "kiln-gpt-tiny@builtin-seed0"
    rewards = await service.ListModels(M.ListModelsRequest(family=common_pb2.MODEL_FAMILY_REWARD_MODEL), None)
    assert [m.name for m in rewards.models] == ["models/m-2"]
    assert len((await service.ListModels(M.ListModelsRequest(), None)).models) == 2


async def test_delete_only_when_not_deployed(service, tmp_path):
    await service.router.deployments.put("t", "m-1", DeploymentRecord(target="RAY_SERVE", app="a", version="v"))
    with pytest.raises(FailedPrecondition):
        await service.DeleteModel(M.DeleteModelRequest(name="models/m-1"), None)
    await service.DeleteModel(M.DeleteModelRequest(name="models/m-2"), None)
    assert not (tmp_path / "models/t/m-2").exists()
    with pytest.raises(NotFound):
        await service.GetModel(M.GetModelRequest(name="models/m-2"), None)


async def test_bad_names_and_requests(service):
    with pytest.raises(NotFound, match="kiln-gpt-tiny"):  # an unknown base model: the built-ins are listed
        await service.GetModel(M.GetModelRequest(name="gpt-17"), None)
    with pytest.raises(InvalidArgument):
        await service.GetModel(M.GetModelRequest(name="jobs/j-1"), None)
    with pytest.raises(InvalidArgument) as err:
        await service.DeployModel(M.DeployModelRequest(name="models/m-1"), None)
    assert err.value.violations[0].field == "target"
    with pytest.raises(FailedPrecondition):  # not deployed
        await service.UndeployModel(M.UndeployModelRequest(name="models/m-1"), None)
    with pytest.raises(InvalidArgument):
        await service.UndeployModel(M.UndeployModelRequest(name="bogus name"), None)
