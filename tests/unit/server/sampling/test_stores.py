"""Samples and deployments: typed records through their stores, on a real Redis."""

from __future__ import annotations

from types import SimpleNamespace

from kiln_server.feedback.wait import publish_samples
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.sampling.record import DeploymentRecord, SampleRecord
from kiln_server.sampling.samples import SampleStore


async def test_samples_round_trip_and_expire(redis_client, keys):
    store = SampleStore(redis_client, keys, ttl_s=100)
    sample = SampleRecord("s-1", "2+2?", "4", "models/m-1", "m-1@v", params={"temperature": 0.0}, index=1)
    await store.put_many("t", [sample])
    assert await store.get("t", "s-1") == sample
    assert await store.get("other", "s-1") is None
    assert 0 < await redis_client.ttl(keys.sample("t", "s-1")) <= 100


async def test_a_workers_published_samples_read_like_the_gateways(redis_client, sync_redis, keys):
    rollout = SimpleNamespace(sample_id="s-9", prompt="p", completion="c")
    assert publish_samples(sync_redis, keys, "t", "j-1", [rollout]) == ["s-9"]
    sample = await SampleStore(redis_client, keys).get("t", "s-9")
    assert (sample.text, sample.model, sample.model_version) == ("c", "jobs/j-1", "jobs/j-1")


async def test_deployments(redis_client, keys):
    store = DeploymentStore(redis_client, keys)
    await store.put("t", "m-1", DeploymentRecord(target="RAY_SERVE", app="a", version="m-1@v", replicas=2))
    await store.set_state("t", "m-1", "FAILED", "no resources")
    got = await store.get("t", "m-1")
    assert (got.state, got.error, got.replicas, got.app) == ("FAILED", "no resources", 2, "a")
    await store.put("t", "m-1", DeploymentRecord(target="TRITON", app="b", version="m-1@v"))
    assert (await store.get("t", "m-1")).error == ""  # a new deployment replaces the old one whole
    await store.delete("t", "m-1")
    assert await store.get("t", "m-1") is None
