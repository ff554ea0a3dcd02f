"""The evaluation worker's fenced writes (PROGRESS, FINISH) and reusable results, on a real Redis."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiln_server.evaluations.convert import evaluation_event_proto, evaluation_proto
from kiln_server.evaluations.runner import RedisEvalReporter
from kiln_server.evaluations.store import EvaluationStore
from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.operations.worker import AttemptHandle, Fenced
from tests.unit.server.evaluations.records import evaluation_record


@pytest.fixture
async def store(redis_client, keys) -> EvaluationStore:
    store = EvaluationStore(redis_client, keys)
    await store.create("t", evaluation_record(), events=[state_event(State.QUEUED, 0, "created")], queue=True)
    await store.transition("t", "e-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    return store


def reporter(store: EvaluationStore, redis_url: str, attempt: int = 1) -> RedisEvalReporter:
    return RedisEvalReporter(AttemptHandle("t", "e-1", attempt, redis_url, store.keys.prefix, "/a", "/s"))


def progress(done: int, total: int, **results: float) -> SimpleNamespace:
    return SimpleNamespace(completed_records=done, total_records=total, results=results)


async def test_progress_then_finish_makes_results_reusable(store, redis_url):
    r = reporter(store, redis_url)
    r.progress(progress(3, 6, distinct_1=0.5))
    mid = await store.get("t", "e-1")
    assert (mid.completed_records, mid.results) == (3, {"distinct_1": 0.5})
    r.progress(progress(6, 6, distinct_1=0.4))
    r.finish({"distinct_1": 0.4}, mid.reuse_key)
    done = await store.get("t", "e-1")
    assert done.state == State.SUCCEEDED and done.end_time and await store.active() == []
    reused = await store.reusable_results("t", mid.reuse_key)
    assert reused.evaluation == "evaluations/e-1" and reused.results == {"distinct_1": 0.4}
    assert reused.total_records == 6
    events = [evaluation_event_proto(e) for e in await store.read_events("t", "e-1", "0", None)]
    kinds = [e.WhichOneof("kind") for e in events]
    assert kinds == ["state_change", "state_change", "progress", "progress", "progress", "state_change"]
    assert events[-1].state_change.reason == "every metric computed"
    proto = evaluation_proto(done)
    assert proto.results["distinct_1"] == 0.4 and proto.completed_records == 6 and proto.name == "evaluations/e-1"


async def test_a_replaced_attempt_is_refused(store, redis_url):
    await store.transition("t", "e-1", (State.RUNNING,), State.QUEUED, attempt=1, enqueue=True)
    stale = reporter(store, redis_url)
    with pytest.raises(Fenced):
        stale.progress(progress(1, 6))
    with pytest.raises(Fenced):
        stale.finish({}, "key")
    assert not stale.fail("late")
    record = await store.get("t", "e-1")
    assert record.state == State.QUEUED and record.completed_records == 0
    assert await store.reusable_results("t", "key") is None
