"""The first real path: upload, SFT on a Ray worker, watch live, get a registered model back."""

from __future__ import annotations

import asyncio
import os
import signal

import grpc
import pytest

from kiln.v1 import jobs_pb2, models_pb2
from tests.e2e.conftest import demo_records, sft_job, watch_until_done

pytestmark = pytest.mark.slow


async def _wait_for(predicate, timeout: float = 120, every: float = 0.25):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(every)
    raise TimeoutError("condition not met in time")


async def test_full_sft_path_over_grpc(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(600))
    job = await gateway.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=60, eval_every=20, checkpoint_every=30)), metadata=t.md
    )
    # The scheduler may claim the job before CreateJob reads it back.
    assert job.state in (jobs_pb2.JOB_STATE_QUEUED, jobs_pb2.JOB_STATE_RUNNING) and job.name.startswith("jobs/")

    events = await watch_until_done(gateway, t, job.name)
    states = [e.state_change.state for e in events if e.HasField("state_change")]
    assert states == [jobs_pb2.JOB_STATE_QUEUED, jobs_pb2.JOB_STATE_RUNNING, jobs_pb2.JOB_STATE_SUCCEEDED]
    losses = [e.metrics.values["loss"] for e in events if e.HasField("metrics") and "loss" in e.metrics.values]
    assert len(losses) >= 5
    assert losses[-1] < 0.7 * losses[0], losses  # it learns the demo tasks
    # The final step saves the model instead of a checkpoint.
    assert [e.checkpoint.step for e in events if e.HasField("checkpoint")] == [30]
    assert any(e.HasField("log") for e in events)
    assert all(a.id < b.id for a, b in zip(events, events[1:], strict=False))  # ordered, resumable ids

    # Resuming after an event replays exactly the rest.
    middle = events[len(events) // 2]
    rest = [
        e
        async for e in gateway.jobs.WatchJob(
            jobs_pb2.WatchJobRequest(name=job.name, after_event_id=middle.id), metadata=t.md
        )
    ]
    assert [e.id for e in rest] == [e.id for e in events[len(events) // 2 + 1 :]]

    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.state == jobs_pb2.JOB_STATE_SUCCEEDED and done.step == 60 and done.attempt == 1
    assert done.latest_metrics["val_loss"] > 0
    curve = gateway.artifact_path(done.artifacts["loss_curve.png"])
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    checkpoints = await gateway.jobs.ListCheckpoints(jobs_pb2.ListCheckpointsRequest(name=job.name), metadata=t.md)
    assert [c.step for c in checkpoints.checkpoints] == [30]

    model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert model.source_job == job.name and model.base_model == "kiln-gpt-tiny"
    assert model.parameter_count > 100_000 and model.size_bytes > 0 and model.version
    listed = await gateway.models.ListModels(models_pb2.ListModelsRequest(), metadata=t.md)
    assert [m.name for m in listed.models] == [model.name]

    # The registered weights load back exactly, and the fine-tuned model can be trained further.
    from safetensors.torch import load_file

    from kiln_trainer.models.loader import load_causal_lm

    weights_dir = gateway.artifact_path(model.artifact_uri)
    loaded = load_causal_lm(str(weights_dir))
    stored = load_file(str(next(weights_dir.glob("*.safetensors"))))
    state = loaded.model.state_dict()
    for name, tensor in stored.items():
        assert name in state and state[name].equal(tensor), name

    again = await gateway.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, base_model=model.name, max_steps=5)), metadata=t.md
    )
    events = await watch_until_done(gateway, t, again.name)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED

    await gateway.models.DeleteModel(models_pb2.DeleteModelRequest(name=model.name), metadata=t.md)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.models.GetModel(models_pb2.GetModelRequest(name=model.name), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert not weights_dir.exists()


async def test_cancel_stops_the_work_within_seconds(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(400))
    job = await gateway.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=100000, log_every=1)), metadata=t.md
    )

    async def training():
        j = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
        return j.step >= 2 and j

    await _wait_for(training)
    job_key = gateway.server.scheduler.jobs.keys.job(t.name, job.name[5:])
    pid = int(await gateway.server.redis.hget(job_key, "worker_pid"))
    cancelled = await gateway.jobs.CancelJob(jobs_pb2.CancelJobRequest(name=job.name), metadata=t.md)
    assert cancelled.state == jobs_pb2.JOB_STATE_CANCELLED
    start = asyncio.get_running_loop().time()

    async def worker_gone():
        try:
            os.kill(pid, 0)
            return False
        except ProcessLookupError:
            return True

    await _wait_for(worker_gone, timeout=20)
    assert asyncio.get_running_loop().time() - start < 15
    step_at_cancel = (await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)).step
    await asyncio.sleep(1)
    final = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert final.state == jobs_pb2.JOB_STATE_CANCELLED and final.step == step_at_cancel and not final.output_model
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CancelJob(jobs_pb2.CancelJobRequest(name=job.name), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_killed_worker_is_retried_from_its_checkpoint(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(400))
    job = await gateway.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=60, checkpoint_every=10, log_every=1)), metadata=t.md
    )
    keys = gateway.server.scheduler.jobs.keys
    job_key = keys.job(t.name, job.name[5:])

    async def checkpointed():
        cps = await gateway.jobs.ListCheckpoints(jobs_pb2.ListCheckpointsRequest(name=job.name), metadata=t.md)
        return bool(cps.checkpoints) and cps.checkpoints[-1].step

    saved = await _wait_for(checkpointed)
    os.kill(int(await gateway.server.redis.hget(job_key, "worker_pid")), signal.SIGKILL)

    events = await watch_until_done(gateway, t, job.name)
    states = [(e.state_change.state, e.state_change.attempt) for e in events if e.HasField("state_change")]
    assert (jobs_pb2.JOB_STATE_RETRYING, 1) in states
    assert (jobs_pb2.JOB_STATE_RUNNING, 2) in states
    assert states[-1] == (jobs_pb2.JOB_STATE_SUCCEEDED, 2)
    second = [
        i
        for i, e in enumerate(events)
        if e.HasField("state_change")
        and e.state_change.state == jobs_pb2.JOB_STATE_RUNNING
        and e.state_change.attempt == 2
    ][0]
    resumed = [e.metrics.step for e in events[second:] if e.HasField("metrics")]
    assert resumed[0] > saved, "attempt 2 must resume after the checkpoint, not from step 0"
    assert any("resum" in e.log.message for e in events[second:] if e.HasField("log"))
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.attempt == 2 and done.output_model


async def test_worker_death_without_retries_fails_the_job(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(200))
    spec = sft_job(ds.name, max_steps=100000, log_every=1)
    spec.max_retries = 0
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=spec), metadata=t.md)
    job_key = gateway.server.scheduler.jobs.keys.job(t.name, job.name[5:])

    async def running_pid():
        return await gateway.server.redis.hget(job_key, "worker_pid")

    os.kill(int(await _wait_for(running_pid)), signal.SIGKILL)
    events = await watch_until_done(gateway, t, job.name)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_FAILED
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert "no retries left" in done.error


async def test_gateway_restart_loses_no_job_and_no_event(gateway_factory, tmp_path):
    first = await gateway_factory(prefix="restart-test", data_dir=tmp_path / "gw")
    t = await first.tenant()
    ds = await first.upload(t, demo_records(400))
    job = await first.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=80, checkpoint_every=10, log_every=2)), metadata=t.md
    )
    seen = []
    async for ev in first.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=t.md):
        seen.append(ev)
        if ev.HasField("metrics") and ev.metrics.step >= 10:
            break
    await first.close()  # the gateway goes away mid-job

    second = await gateway_factory(prefix="restart-test", data_dir=tmp_path / "gw")
    rest = await watch_until_done(second, t, job.name)
    everything = [e async for e in second.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=t.md)]
    assert [e.id for e in everything[: len(seen)]] == [e.id for e in seen]  # nothing lost
    assert [e.id for e in everything] == sorted({e.id for e in everything})  # nothing twice
    assert rest[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED
    done = await second.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.output_model and done.step == 80


async def test_data_parallel_job_runs_on_ray_train(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(300))
    spec = sft_job(ds.name, max_steps=4, log_every=1, checkpoint_every=2)
    spec.resources.workers = 2
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=spec), metadata=t.md)
    events = await watch_until_done(gateway, t, job.name, timeout=300)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED, [
        e.log.message for e in events if e.HasField("log")
    ]
    logs = " ".join(e.log.message for e in events if e.HasField("log"))
    assert "2 rank(s)" in logs
    # Only rank 0 reports, so each step appears once.
    steps = [e.metrics.step for e in events if e.HasField("metrics") and "loss" in e.metrics.values]
    assert steps == sorted(set(steps))
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.output_model


async def test_lora_job_registers_merged_weights(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(200))
    spec = sft_job(ds.name, max_steps=10)
    spec.sft.tuning = jobs_pb2.TUNING_LORA
    spec.sft.lora.rank = 4
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=spec), metadata=t.md)
    events = await watch_until_done(gateway, t, job.name)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert (gateway.artifact_path(model.artifact_uri) / "adapter").is_dir()


async def test_successive_jobs_run_on_one_warm_worker(gateway):
    """A job's worker stays warm for the next job of the same resources (no process start, no
    torch import again). A cancelled job's worker does not (test_cancel_stops_the_work_within_seconds)."""
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(32))
    pids, keys = [], gateway.server.scheduler.jobs.keys
    for _ in range(2):
        job = await gateway.jobs.CreateJob(
            jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=2, eval_every=2, log_every=1)), metadata=t.md
        )
        events = await watch_until_done(gateway, t, job.name)
        assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED
        job_key = keys.job(t.name, job.name[5:])
        pids.append(int(await gateway.server.redis.hget(job_key, "worker_pid")))
        assert (await gateway.server.redis.hget(job_key, "worker_actor")).decode().startswith("1:kiln-warm-")
    assert pids[0] == pids[1]


async def test_a_job_its_gateway_died_launching_runs_once_on_the_recorded_warm_worker(gateway_factory, tmp_path):
    """The launch window: the old gateway claimed a warm worker and moved the job to RUNNING (the
    worker's name on the record in the same step), then died before handing the worker the
    attempt. The next gateway adopts the job on that worker and runs it as attempt 1, not 2."""
    first = await gateway_factory(prefix="launch-window", data_dir=tmp_path / "gw")
    t = await first.tenant()
    ds = await first.upload(t, demo_records(32))
    handed = asyncio.Event()

    async def dies_before_handing(*_args) -> None:  # the gateway "dies" right after RUNNING
        handed.set()
        await asyncio.Event().wait()

    first.server.scheduler._run_attempt = dies_before_handing  # type: ignore[method-assign]
    job = await first.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=2, eval_every=2, log_every=1)), metadata=t.md
    )
    await asyncio.wait_for(handed.wait(), 60)
    job_key = first.server.scheduler.jobs.keys.job(t.name, job.name[5:])
    state, worker = await first.server.redis.hmget(job_key, "state", "worker_actor")
    assert state == b"RUNNING" and worker.decode().startswith("1:kiln-warm-")
    await first.close()

    second = await gateway_factory(prefix="launch-window", data_dir=tmp_path / "gw")
    events = await watch_until_done(second, t, job.name)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED
    done = await second.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.attempt == 1
    assert await second.server.redis.hget(job_key, "worker_actor") == worker  # the worker recorded first
    started = [e.log.message for e in events if e.HasField("log") and "started on" in e.log.message]
    assert len(started) == 1 and started[0].startswith("attempt 1 started")
