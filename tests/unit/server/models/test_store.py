"""The model registry's one hash layout, written by the async store and by a worker's pipeline."""

from __future__ import annotations

from kiln_server.models.convert import model_proto
from kiln_server.models.store import ModelStore
from kiln_server.sampling.record import DeploymentRecord
from tests.unit.server.records import model_record as record


async def test_a_workers_pipeline_and_the_store_write_the_same_record(redis_client, sync_redis, keys):
    store = ModelStore(redis_client, keys)
    with sync_redis.pipeline(transaction=True) as pipe:
        ModelStore.stage_register(pipe, keys, "t", record("m-1"))
        pipe.execute()
    await store.create("t", record("m-2"))
    assert await store.get("t", "m-1") == record("m-1")
    raw1 = await redis_client.hgetall(keys.model("t", "m-1"))
    raw2 = await redis_client.hgetall(keys.model("t", "m-2"))
    assert set(raw1) == set(raw2)
    assert [r.id for r in (await store.list_page("t", 10, "", "all"))[0]] == ["m-2", "m-1"]


def test_model_proto():
    r = record("m-1", "reward_model")
    r.quantization, r.metrics, r.labels = "INT4", {"loss": 1.0}, {"a": "b"}
    proto = model_proto(r, DeploymentRecord(target="TRITON", app="app", version=r.version, replicas=2))
    assert proto.name == "models/m-1" and proto.family == 2 and proto.quantization == 2
    assert proto.deployment.target == 2 and proto.deployment.replicas == 2 and proto.labels["a"] == "b"
    assert proto.deployment.state == "DEPLOYING"
