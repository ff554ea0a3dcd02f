"""Faults the operator does not choose, against real parts: Redis SIGKILLed and restarted while a
job runs, a gateway SIGKILLed in the middle of an upload. Each checks that nothing acknowledged
is lost, nothing is duplicated, and every job reaches a final state (SUCCEEDED, or FAILED with a
reason; never stuck RUNNING).

(Neighbours cover the rest of the fault suite: a killed job worker retried from its checkpoint
and a worker death without retries in test_sft_path.py, a gateway restart mid-job there and
mid-sweep in test_sweeps.py, a gateway killed mid-feedback-stream in
test_feedback_durability.py, Redis down for every RPC in test_redis_outage.py.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
import redis
import redis.asyncio as aioredis
from grpc import aio

from kiln.v1 import datasets_pb2, datasets_pb2_grpc, jobs_pb2, models_pb2
from kiln_server.platform.keys import Keys
from kiln_server.tenants.store import TenantStore
from tests.e2e.conftest import demo_records, sft_job, watch_until_done
from tests.e2e.test_feedback_durability import _kill, _start_gateway
from tests.e2e.test_redis_outage import own_redis  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow

FINAL = {jobs_pb2.JOB_STATE_SUCCEEDED, jobs_pb2.JOB_STATE_FAILED, jobs_pb2.JOB_STATE_CANCELLED}


async def test_redis_killed_and_restarted_mid_job(own_redis, gateway_factory):  # noqa: F811
    server = own_redis()
    # Every write on disk before it is acknowledged, so the restart keeps all the job reported.
    redis.Redis(unix_socket_path=str(server.socket)).config_set("appendfsync", "always")
    gw = await gateway_factory(redis_url=server.url)
    t = await gw.tenant()
    ds = await gw.upload(t, demo_records(200))
    job = await gw.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=30, checkpoint_every=10, log_every=2)),
        metadata=t.md,
    )
    seen = []
    async for ev in gw.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=t.md):
        seen.append(ev)
        if ev.HasField("metrics") and ev.metrics.step >= 10:
            break
    assert server.process is not None
    server.process.kill()  # SIGKILL: no save, no goodbye
    server.process.wait(timeout=10)
    await asyncio.sleep(3)  # the job's worker and the gateway's loops meet the outage
    own_redis()  # back on the same socket, from its append-only file
    try:
        events = await watch_until_done(gw, t, job.name, timeout=150)
    except TimeoutError:
        stuck = await gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
        raise AssertionError(f"the job never ended: {stuck.state} {stuck.attempt} {stuck.error}") from None
    done = await gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.state in FINAL, done
    if done.state == jobs_pb2.JOB_STATE_SUCCEEDED:
        assert done.output_model and done.step == 30
    else:
        assert done.error, "a job that did not finish must say why"
    everything = [e async for e in gw.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=t.md)]
    ids = [e.id for e in everything]
    assert ids[: len(seen)] == [e.id for e in seen]  # nothing acknowledged before the kill is lost
    assert ids == sorted(set(ids)), "no event twice, in order"
    assert everything[-1].state_change.state == done.state == events[-1].state_change.state
    # One model at most: a retried attempt must not register a second one.
    assert len([e for e in everything if e.HasField("state_change") and e.state_change.state in FINAL]) == 1


async def test_gateway_killed_mid_upload_leaves_nothing_and_the_retry_stores_once(tmp_path, redis_url, ray_instance):
    import ray

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    data_dir = tmp_path / "kiln"
    env = {
        **os.environ,
        "KILN_REDIS_URL": redis_url,
        "KILN_REDIS_PREFIX": prefix,
        "KILN_PORT": "0",
        "KILN_DATA_DIR": str(data_dir),
        "KILN_RAY_ADDRESS": ray.get_runtime_context().gcs_address,
        "KILN_LOG_JSON": "false",
        "KILN_LOG_LEVEL": "WARNING",
        "GRPC_VERBOSITY": "ERROR",
    }
    r = aioredis.Redis.from_url(redis_url)
    tenants = TenantStore(r, Keys(prefix))
    await tenants.create_tenant("acme")
    _, key = await tenants.create_key("acme")
    md = (("authorization", f"Bearer {key}"),)
    data = demo_records() * 4
    chunk = 4096
    scratch = data_dir / "scratch" / "uploads"
    artifacts = data_dir / "artifacts" / "datasets" / "acme"
    log = tmp_path / "gateways.log"

    def metadata() -> datasets_pb2.UploadDatasetRequest:
        return datasets_pb2.UploadDatasetRequest(
            metadata=datasets_pb2.DatasetMetadata(
                display_name="big", format=datasets_pb2.DATASET_FORMAT_SFT, request_id="upload-1"
            )
        )

    first, target = await _start_gateway(env, log)
    try:
        killed = asyncio.Event()

        async def slow_stream():
            yield metadata()
            for i in range(0, len(data), chunk):
                if i == chunk * 4:
                    # Part of the file is in the gateway's scratch: kill it now.
                    await asyncio.sleep(0.5)
                    _kill(first)
                    killed.set()
                    await asyncio.sleep(0.5)
                yield datasets_pb2.UploadDatasetRequest(chunk=data[i : i + chunk])

        async with aio.insecure_channel(target) as channel:
            with pytest.raises(aio.AioRpcError):
                await datasets_pb2_grpc.DatasetServiceStub(channel).UploadDataset(slow_stream(), metadata=md)
        assert killed.is_set()
        await first.wait()
    finally:
        _kill(first)
    assert first.returncode == -signal.SIGKILL
    assert list(scratch.glob("upload-*")), "the kill must land while the upload is in scratch"

    second, target = await _start_gateway(env, log)
    try:
        # The new gateway cleaned the dead one's scratch before serving; nothing was registered.
        assert not list(scratch.glob("upload-*"))
        assert not (artifacts.exists() and list(artifacts.iterdir()))
        async with aio.insecure_channel(target) as channel:
            stub = datasets_pb2_grpc.DatasetServiceStub(channel)
            assert not (await stub.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=md)).datasets

            async def whole():
                yield metadata()
                for i in range(0, len(data), chunk):
                    yield datasets_pb2.UploadDatasetRequest(chunk=data[i : i + chunk])

            # The client retries with the same request_id: one dataset, complete, stored once.
            ds = await stub.UploadDataset(whole(), metadata=md)
            again = await stub.UploadDataset(whole(), metadata=md)
            listed = (await stub.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=md)).datasets
        assert again.name == ds.name and [d.name for d in listed] == [ds.name]
        assert ds.size_bytes == len(data)
        assert [p.name for p in artifacts.iterdir()] == [ds.name.removeprefix("datasets/")]
    finally:
        _kill(second)
        await second.wait()
        await r.connection_pool.disconnect()


async def test_ray_worker_killed_mid_job_is_retried_from_its_checkpoint(gateway):
    """The job's Ray worker actor killed through Ray (as a node losing it would): the job is
    retried from its last checkpoint, its events stay in order and once each, one model."""
    import ray

    from kiln_server.operations.queue import RAY_NAMESPACE

    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(100))
    job = await gateway.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=30, checkpoint_every=10, log_every=2)),
        metadata=t.md,
    )
    seen = []
    async for ev in gateway.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=t.md):
        seen.append(ev)
        if ev.HasField("checkpoint"):
            break
    saved = seen[-1].checkpoint.step
    key = gateway.server.scheduler.jobs.keys.job(t.name, job.name[5:])
    worker = (await gateway.server.redis.hget(key, "worker_actor")).decode()
    ray.kill(ray.get_actor(worker.partition(":")[2], namespace=RAY_NAMESPACE), no_restart=True)
    events = await watch_until_done(gateway, t, job.name, timeout=150)
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.state in FINAL, done
    if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
        assert done.error
    else:
        assert done.attempt == 2 and done.output_model
        restarted = [i for i, e in enumerate(events) if e.HasField("state_change") and e.state_change.attempt == 2][0]
        steps = [e.metrics.step for e in events[restarted:] if e.HasField("metrics")]
        assert steps and steps[0] > saved, "attempt 2 resumes after the checkpoint"
    everything = [e async for e in gateway.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=t.md)]
    ids = [e.id for e in everything]
    assert ids[: len(seen)] == [e.id for e in seen] and ids == sorted(set(ids))
    models = await gateway.models.ListModels(models_pb2.ListModelsRequest(), metadata=t.md)
    assert len(models.models) == (1 if done.state == jobs_pb2.JOB_STATE_SUCCEEDED else 0)
