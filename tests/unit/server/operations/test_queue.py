"""The scheduler's retry policy and reconcile, over a real Redis (no Ray: nothing is launched)."""

from __future__ import annotations

import pytest

from kiln_server.datasets.store import DatasetStore
from kiln_server.evaluations.scheduler import MAX_ATTEMPTS, EvaluationScheduler
from kiln_server.jobs.scheduler import JobScheduler
from kiln_server.jobs.store import JobStore
from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.platform.config import KilnConfig
from tests.unit.server.jobs.records import job_record


@pytest.fixture
def config(tmp_path) -> KilnConfig:
    return KilnConfig(data_dir=tmp_path, redis_url="redis://unused:6379")


@pytest.fixture
async def jobs(redis_client, keys) -> JobStore:
    return JobStore(redis_client, keys)


@pytest.fixture
def scheduler(config, jobs) -> JobScheduler:
    return JobScheduler(config, jobs, DatasetStore(jobs.redis, jobs.keys), "unused")


async def running_job(jobs: JobStore, max_retries: int) -> None:
    await jobs.create(
        "t", job_record(max_retries=max_retries), events=[state_event(State.QUEUED, 0, "created")], queue=True
    )
    await jobs.pop_queued(timeout_s=1)
    await jobs.transition("t", "j-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)


async def test_a_lost_job_worker_is_retried_through_retrying_then_fails(scheduler, jobs):
    await running_job(jobs, max_retries=1)
    await scheduler.worker_lost("t", "j-1", 1, "worker died: RayActorError")
    record = await jobs.get("t", "j-1")
    assert record.state == State.QUEUED and await jobs.queued() == {"t/j-1"}
    states = [(e.data["state"], e.data["reason"]) for e in await jobs.read_events("t", "j-1", "0", None)]
    assert states[-2:] == [("RETRYING", "worker died: RayActorError"), ("QUEUED", "resuming from the last checkpoint")]

    await jobs.pop_queued(timeout_s=1)
    await jobs.transition("t", "j-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    await scheduler.worker_lost("t", "j-1", 2, "worker died: RayActorError")
    failed = await jobs.get("t", "j-1")
    assert failed.state == State.FAILED and "no retries left" in failed.error and "attempt 2 of 2" in failed.error


async def test_a_stale_report_of_a_lost_worker_changes_nothing(scheduler, jobs):
    await running_job(jobs, max_retries=3)
    await scheduler.worker_lost("t", "j-1", 7, "worker died")  # not the current attempt
    assert (await jobs.get("t", "j-1")).state == State.RUNNING


async def test_a_lost_evaluation_worker_is_rerun_without_a_retrying_step(config, redis_client, keys):
    from kiln_server.evaluations.store import EvaluationStore
    from tests.unit.server.evaluations.records import evaluation_record

    store = EvaluationStore(redis_client, keys)
    scheduler = EvaluationScheduler(config, store, "unused", "gw")
    await store.create("t", evaluation_record(), events=[state_event(State.QUEUED, 0, "created")], queue=True)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await store.pop_queued(timeout_s=1)
        await store.transition("t", "e-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
        await scheduler.worker_lost("t", "e-1", attempt, "worker died")
    record = await store.get("t", "e-1")
    assert record.state == State.FAILED and record.attempt == MAX_ATTEMPTS
    states = [e.data["state"] for e in await store.read_events("t", "e-1", "0", None)]
    assert "RETRYING" not in states and states.count("QUEUED") == MAX_ATTEMPTS


async def test_reconcile_requeues_lost_queue_entries_and_forgets_ended_operations(scheduler, jobs):
    for rid in ("j-1", "j-2", "j-3"):
        await jobs.create("t", job_record(rid), events=[state_event(State.QUEUED, 0, "created")], queue=True)
    await jobs.redis.delete(jobs.operation.queue_key(jobs.keys))  # the queue entries were lost
    await jobs.transition("t", "j-2", (State.QUEUED,), State.RETRYING)
    await jobs.transition("t", "j-3", (State.QUEUED,), State.CANCELLED)
    await jobs.redis.sadd(jobs.operation.active_key(jobs.keys), "t/j-3")  # left behind by a crash
    await scheduler.reconcile()
    assert await jobs.queued() == {"t/j-1", "t/j-2"}
    assert (await jobs.get("t", "j-2")).state == State.QUEUED
    assert sorted(await jobs.active()) == [("t", "j-1"), ("t", "j-2")]
