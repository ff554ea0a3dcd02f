"""A job worker's context against a real Redis: progress, checkpoints, and the fenced outcome."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from kiln_server.jobs.context import JobHandle, RedisTrainContext
from kiln_server.jobs.convert import job_event_proto, job_proto
from kiln_server.jobs.store import JobStore
from kiln_server.models.store import ModelStore
from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.operations.worker import Fenced
from kiln_trainer.context import TrainResult
from tests.unit.server.jobs.records import job_record


@pytest.fixture
async def jobs(redis_client, keys) -> JobStore:
    jobs = JobStore(redis_client, keys)
    await jobs.create("t", job_record(), events=[state_event(State.QUEUED, 0, "created")], queue=True)
    await jobs.transition("t", "j-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    return jobs


def context(jobs: JobStore, redis_url: str, tmp_path: Path, attempt: int = 1) -> RedisTrainContext:
    handle = JobHandle(
        "t", "j-1", attempt, redis_url, jobs.keys.prefix, str(tmp_path / "artifacts"), str(tmp_path / "scratch")
    )
    return RedisTrainContext(handle)


def trained_model(tmp_path: Path) -> TrainResult:
    out = tmp_path / "trained"
    out.mkdir()
    save_file({"w": np.zeros((2, 3), dtype=np.float32)}, str(out / "model.safetensors"))
    (out / "config.json").write_text("{}")
    return TrainResult(model_dir=out, metrics={"loss": 0.5})


async def test_progress_checkpoints_and_artifacts_land_on_the_job(jobs, redis_url, tmp_path):
    ctx = context(jobs, redis_url, tmp_path)
    ctx.report_metrics(1, {"loss": 2.0, "lr": 0.1}, total_steps=10)
    ctx.report_metrics(2, {"loss": 1.5})
    state = tmp_path / "state"
    state.mkdir()
    (state / "optimizer.pt").write_bytes(b"x")
    ctx.save_checkpoint(2, state)
    uri = ctx.save_artifact("curve.png", state / "optimizer.pt")
    record = await jobs.get("t", "j-1")
    assert record.step == 2 and record.metrics == {"loss": 1.5, "lr": 0.1}
    assert record.last_checkpoint.step == 2 and record.artifacts == {"curve.png": uri}
    assert [c.step for c in await jobs.checkpoints("t", "j-1")] == [2]
    assert (ctx.latest_checkpoint() / "optimizer.pt").read_bytes() == b"x"
    events = [job_event_proto(e) for e in await jobs.read_events("t", "j-1", "0", None)]
    assert [e.WhichOneof("kind") for e in events] == [
        "state_change",
        "state_change",
        "metrics",
        "metrics",
        "checkpoint",
    ]
    assert events[4].checkpoint.step == 2
    proto = job_proto(record)
    assert (
        proto.name == "jobs/j-1" and proto.step == 2 and proto.latest_metrics["lr"] == 0.1 and proto.start_time.seconds
    )


async def test_a_retried_attempt_keeps_the_metrics_reported_before_it(jobs, redis_url, tmp_path):
    """Each report merges into the metrics the attempt read once: the earlier attempt's stay."""
    context(jobs, redis_url, tmp_path).report_metrics(3, {"loss": 2.0, "val_loss": 2.5})
    await jobs.transition("t", "j-1", (State.RUNNING,), State.QUEUED, attempt=1, enqueue=True)
    await jobs.transition("t", "j-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    retry = context(jobs, redis_url, tmp_path, attempt=2)
    retry.report_metrics(4, {"loss": 1.8})
    retry.report_metrics(5, {"lr": 0.01})
    record = await jobs.get("t", "j-1")
    assert record.step == 5 and record.metrics == {"loss": 1.8, "val_loss": 2.5, "lr": 0.01}


async def test_complete_registers_the_model_with_the_success(jobs, redis_url, tmp_path):
    ctx = context(jobs, redis_url, tmp_path)
    model_id = ctx.complete(trained_model(tmp_path), "kiln-gpt-tiny", "my model")
    job = await jobs.get("t", "j-1")
    assert job.state == State.SUCCEEDED and job.output_model == f"models/{model_id}"
    model = await ModelStore(jobs.redis, jobs.keys).get("t", model_id)
    assert model is not None
    assert model.source_job == "jobs/j-1" and model.parameter_count == 6 and model.metrics == {"loss": 0.5}
    assert (
        model.version.startswith(f"{model_id}@")
        and (tmp_path / "artifacts" / model.artifact_rel / "model.safetensors").is_file()
    )
    # What clients are shown names the weights inside the store, not on the server's disk.
    assert model.artifact_uri == f"kiln://artifacts/{model.artifact_rel}" and str(tmp_path) not in model.artifact_uri
    assert await jobs.active() == []


async def test_a_cancelled_or_replaced_attempt_registers_nothing(jobs, redis_url, tmp_path):
    ctx = context(jobs, redis_url, tmp_path)
    assert not ctx.should_stop()
    await jobs.transition("t", "j-1", (State.RUNNING,), State.CANCELLED)
    ctx._stop_checked = 0.0  # skip the poll interval
    assert ctx.should_stop()
    with pytest.raises(Fenced):
        ctx.complete(trained_model(tmp_path), "kiln-gpt-tiny", "late")
    models = ModelStore(jobs.redis, jobs.keys)
    assert (await models.list_page("t", 10, "", "all"))[0] == []
    assert not any((tmp_path / "artifacts" / "models").rglob("*.safetensors"))
    assert (await jobs.get("t", "j-1")).state == State.CANCELLED


def test_the_handle_pickles_for_ray():
    import pickle

    handle = JobHandle("t", "j-1", 1, "redis://x", "p", "a", "s", rank=3)
    assert pickle.loads(pickle.dumps(handle)) == handle
