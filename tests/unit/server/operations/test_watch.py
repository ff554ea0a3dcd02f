"""The one Watch loop over a real Redis stream."""

from __future__ import annotations

import asyncio

import pytest

from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.operations.watch import watch
from kiln_server.platform.errors import InvalidArgument, Unavailable
from tests.unit.server.operations.kind import WidgetStore, unreachable_redis, widget


@pytest.fixture
async def store(redis_client, keys) -> WidgetStore:
    store = WidgetStore(redis_client, keys)
    await store.create("t", widget(), events=[state_event(State.QUEUED, 0, "created")], queue=True)
    return store


async def collect(store, after: str = "", shutdown: asyncio.Event | None = None) -> list:
    return [e async for e in watch(store, "t", "w-1", after, shutdown or asyncio.Event())]


async def test_watch_follows_the_operation_to_its_end(store):
    async def run() -> None:
        await asyncio.sleep(0.2)
        await store.transition("t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
        await store.transition("t", "w-1", (State.RUNNING,), State.SUCCEEDED)
        await store.transition("t", "w-1", (State.SUCCEEDED,), State.QUEUED)  # never reached by the watch

    writer = asyncio.create_task(run())
    events = await asyncio.wait_for(collect(store), 10)
    await writer
    assert [e.data["state"] for e in events] == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert events[-1].final and not events[0].final


async def test_resuming_after_an_event_skips_what_was_seen(store):
    await store.transition("t", "w-1", (State.QUEUED,), State.RUNNING, bump_attempt=True)
    await store.transition("t", "w-1", (State.RUNNING,), State.FAILED)
    first, *rest = await collect(store)
    assert [e.id for e in await collect(store, first.id)] == [e.id for e in rest]
    # Resuming after the final event: nothing more, and the watch ends instead of waiting forever.
    assert await asyncio.wait_for(collect(store, rest[-1].id), 10) == []


async def test_a_bad_resume_point_names_the_field(store):
    for bad in ("not-an-id", "1-0"):
        with pytest.raises(InvalidArgument) as err:
            await collect(store, bad)
        assert err.value.violations[0].field == "after_event_id"


async def test_shutdown_ends_the_stream_resumably(store):
    shutdown = asyncio.Event()
    shutdown.set()
    with pytest.raises(Unavailable, match="after_event_id=0"):
        await collect(store, shutdown=shutdown)


async def test_a_redis_outage_is_unavailable(keys, tmp_path):
    client = unreachable_redis(tmp_path)
    try:
        with pytest.raises(Unavailable):
            await collect(WidgetStore(client, keys))
    finally:
        await client.aclose()
