"""One resumable watch for every long-running operation (jobs, evaluations, ...).

Each kind's Watch RPC streams events with ids and takes `after_event_id`; a stream broken with
UNAVAILABLE (gateway restart, network blip) is reopened after the last event seen, so nothing is
missed and nothing is seen twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

import grpc

from kiln.errors import KilnError

MAX_BACKOFF_S = 10.0


class Event(Protocol):
    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=Event)
E_co = TypeVar("E_co", bound=Event, covariant=True)


class EventStream(Protocol[E_co]):
    """What a generated server-streaming stub returns: an iterator that can be cancelled."""

    def __iter__(self) -> Iterator[E_co]: ...

    def cancel(self) -> bool: ...


def resume_on_unavailable(
    open_stream: Callable[[str], EventStream[E]],
    after_event_id: str = "",
    *,
    max_reconnects: int = 8,
    backoff_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[E]:
    """Yields the events of `open_stream(cursor)` until the stream ends.

    After an UNAVAILABLE break the stream is reopened from the last event's id, waiting backoff_s,
    2*backoff_s, ... (capped at MAX_BACKOFF_S, never less than the server's RetryInfo delay).
    After max_reconnects failures in a row without a new event the last error is raised; any
    other error is raised at once, as a KilnError.
    """
    cursor = after_event_id
    failures = 0
    while True:
        stream = open_stream(cursor)
        try:
            for event in stream:
                cursor = event.id
                failures = 0  # the budget is for consecutive failures, not an operation's lifetime
                yield event
            return
        except grpc.RpcError as exc:
            error = KilnError.from_rpc_error(exc)
            if error.code != grpc.StatusCode.UNAVAILABLE or failures >= max_reconnects:
                raise error from exc
            delay = min(backoff_s * 2**failures, MAX_BACKOFF_S)
            failures += 1
            sleep(max(delay, error.retry_after_s or 0.0))
        finally:
            # A consumer that stops early would otherwise leave the stream open on the server.
            stream.cancel()
