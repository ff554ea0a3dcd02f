"""The one Watch loop: an operation's events from the start (or after a given event) to its end.

`watch` yields `Event`s; a kind's Watch RPC converts each to its own event proto. The stream ends
after the event into a final state. A gateway that is shutting down ends the stream UNAVAILABLE
with the id to resume from, and so does a Redis outage: a client retries with after_event_id and
loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from kiln_server.operations.events import Event
from kiln_server.operations.store import OperationStore
from kiln_server.platform.errors import Unavailable, unavailable_on_redis_errors

# How long one XREAD blocks; short enough to notice shutdown promptly.
WATCH_BLOCK_MS = 1000


async def watch(
    store: OperationStore, tenant: str, rid: str, after_event_id: str, shutdown: asyncio.Event
) -> AsyncIterator[Event]:
    cursor = await store.resume_cursor(tenant, rid, after_event_id)
    while True:
        if shutdown.is_set():
            raise Unavailable(f"server is shutting down; resume with after_event_id={cursor}")
        with unavailable_on_redis_errors(f"the event stream (resume with after_event_id={cursor})"):
            events = await store.read_events(tenant, rid, cursor, WATCH_BLOCK_MS)
            current = None if events else await store.get(tenant, rid)
        for event in events:
            cursor = event.id
            yield event
            if event.final:
                return
        # A final state is written with its event in one script, so an idle stream of a finished
        # operation means the client resumed past the end.
        if current is not None and current.final:
            return
