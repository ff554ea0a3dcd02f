"""The operation store against a real Redis: create, transitions, events, resume, queue."""

from __future__ import annotations

import pytest

from kiln_server.operations import scripts
from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.platform.errors import InvalidArgument, Unavailable
from tests.unit.server.operations.kind import WIDGETS, WidgetStore, unreachable_redis, widget


@pytest.fixture
def store(redis_client, keys) -> WidgetStore:
    return WidgetStore(redis_client, keys)


async def created(store: WidgetStore, rid: str = "w-1", **kw) -> str:
    return await store.create("t", widget(rid), events=[state_event(State.QUEUED, 0, "created")], queue=True, **kw)


async def test_create_writes_record_first_events_queue_and_active_set_once(store):
    assert await created(store, request_id="r", fingerprint="a") == "w-1"
    assert await created(store, "w-2", request_id="r", fingerprint="a") == "w-1"
    with pytest.raises(InvalidArgument) as err:
        await created(store, "w-3", request_id="r", fingerprint="b")
    assert "widgets/w-1" in err.value.violations[0].description
    record = await store.get("t", "w-1")
    assert record is not None and record.state == State.QUEUED and record.start_time is None
    events = await store.read_events("t", "w-1", "0", None)
    assert [(e.kind, e.data["reason"]) for e in events] == [("state", "created")]
    assert await store.queued() == {"t/w-1"} and await store.active() == [("t", "w-1")]
    assert await store.get("t", "w-2") is None


async def test_a_record_born_final_is_not_queued(store):
    await store.create("t", widget(state=State.SUCCEEDED), events=[state_event(State.SUCCEEDED, 0, "reused")])
    assert await store.queued() == set() and await store.active() == []


async def test_transitions_are_fenced_by_state_and_attempt(store):
    await created(store)
    ok, state, attempt = await store.transition(
        "t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True, fields={"owner": "gw"}
    )
    assert (ok, state, attempt) == (True, "RUNNING", 1)
    running = await store.get("t", "w-1")
    assert running.owner == "gw" and running.start_time is not None and running.end_time is None
    # A stale attempt cannot end it; the current one can.
    assert not (await store.transition("t", "w-1", (State.RUNNING,), State.FAILED, attempt=2)).ok
    assert not (await store.transition("t", "w-1", (State.QUEUED,), State.CANCELLED)).ok
    done = await store.transition("t", "w-1", (State.RUNNING,), State.FAILED, attempt=1, fields={"error": "boom"})
    assert done.ok
    failed = await store.get("t", "w-1")
    assert failed.final and failed.error == "boom" and failed.end_time >= failed.start_time
    assert await store.active() == []
    states = [e.data["state"] for e in await store.read_events("t", "w-1", "0", None)]
    assert states == ["QUEUED", "RUNNING", "FAILED"]
    with pytest.raises(TypeError):  # only the record's own attributes can be set with a transition
        await store.transition("t", "w-1", (State.FAILED,), State.QUEUED, fields={"colour": "red"})


async def test_requeue_and_start_time_kept_from_the_first_run(store):
    await created(store)
    await store.pop_queued(timeout_s=1)
    await store.transition("t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    first_start = (await store.get("t", "w-1")).start_time
    await store.transition("t", "w-1", (State.RUNNING,), State.QUEUED, attempt=1, enqueue=True)
    assert await store.pop_queued(timeout_s=1) == ("t", "w-1")
    await store.transition("t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    again = await store.get("t", "w-1")
    assert again.attempt == 2 and again.start_time == first_start


async def test_every_stream_is_capped_by_the_one_limit(store, monkeypatch):
    monkeypatch.setattr(scripts, "EVENTS_MAXLEN", 10)
    await created(store)
    for _ in range(150):
        await store.transition("t", "w-1", (State.QUEUED,), State.QUEUED)
    # Trimming is approximate (whole stream nodes of 100 entries), so the bound is loose.
    assert await store.redis.xlen(store.events_key("t", "w-1")) <= 110


async def test_resume_cursor(store):
    await created(store)
    first = (await store.read_events("t", "w-1", "0", None))[0].id
    assert await store.resume_cursor("t", "w-1", "") == "0"
    assert await store.resume_cursor("t", "w-1", first) == first
    for bad in ("abc", "1-2-3", "99999999999999999999999-0", "-1"):
        with pytest.raises(InvalidArgument) as err:
            await store.resume_cursor("t", "w-1", bad)
        assert err.value.violations[0].field == "after_event_id"
    with pytest.raises(InvalidArgument, match="no event"):
        await store.resume_cursor("t", "w-1", "1-0")


async def test_an_unreachable_redis_is_unavailable_not_a_bad_argument(tmp_path, keys):
    client = unreachable_redis(tmp_path)
    try:
        with pytest.raises(Unavailable):
            await WidgetStore(client, keys).resume_cursor("t", "w-1", "1-0")
    finally:
        await client.aclose()


async def test_queue_and_active_set(store):
    await created(store, "w-1")
    await created(store, "w-2")
    assert await store.queued() == {"t/w-1", "t/w-2"}
    assert await store.pop_queued(timeout_s=1) == ("t", "w-1")  # first in, first out
    await store.forget_active("t", "w-1")
    assert await store.active() == [("t", "w-2")]
    await store.enqueue("t", "w-1")
    assert "t/w-1" in await store.queued()
    await store.set_fields("t", "w-2", owner="gw-2")
    assert (await store.get("t", "w-2")).owner == "gw-2"
    assert store.kind == WIDGETS.name
