"""The worker side of an attempt (sync Redis): fencing, events, the runner's linger timer."""

from __future__ import annotations

import threading

import pytest

from kiln_server.operations import worker
from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.operations.worker import AttemptHandle, AttemptRunner
from tests.unit.server.operations.kind import WidgetReporter, WidgetStore, widget


@pytest.fixture
async def running(redis_client, keys, redis_url) -> tuple[WidgetStore, AttemptHandle]:
    """A widget RUNNING on attempt 1, and the handle its worker gets."""
    store = WidgetStore(redis_client, keys)
    await store.create("t", widget(), events=[state_event(State.QUEUED, 0, "created")], queue=True)
    await store.transition("t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    return store, AttemptHandle("t", "w-1", 1, redis_url, keys.prefix, "/unused", "/unused")


async def test_the_current_attempt_owns_and_fails_the_operation(running):
    store, handle = running
    reporter = WidgetReporter(handle)
    reporter.mark_pid()
    reporter.event("log", {"message": "hello"})
    assert reporter.owns()
    assert reporter.fail("out of memory")
    record = await store.get("t", "w-1")
    assert record.state == State.FAILED and record.error == "out of memory" and record.worker_pid > 0
    kinds = [e.kind for e in await store.read_events("t", "w-1", "0", None)]
    assert kinds == ["state", "state", "log", "state"]
    assert not reporter.owns()


async def test_a_replaced_attempt_is_fenced(running):
    store, handle = running
    await store.transition("t", "w-1", (State.RUNNING,), State.QUEUED, attempt=1, enqueue=True)
    await store.transition("t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    stale = WidgetReporter(handle)
    assert not stale.owns()
    assert not stale.fail("late")
    assert (await store.get("t", "w-1")).state == State.RUNNING


def test_the_runner_returns_its_outcome_and_then_lingers(monkeypatch):
    started: list[float] = []

    class FakeTimer:
        def __init__(self, seconds, fn, args):
            self.seconds, self.daemon = seconds, False

        def start(self):
            started.append(self.seconds)
            assert self.daemon  # must never keep the worker process alive

    class Runner(AttemptRunner):
        def attempt(self) -> str:
            return "SUCCEEDED"

    monkeypatch.setattr(threading, "Timer", FakeTimer)
    assert Runner().run() == "SUCCEEDED"
    assert started == [worker.LINGER_S]

    class Failing(AttemptRunner):
        def attempt(self) -> str:
            raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        Failing().run()
    assert started == [worker.LINGER_S, worker.LINGER_S]
