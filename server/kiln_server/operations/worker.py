"""The worker side of an operation attempt, shared by every kind: what it is handed, how it
reports to Redis (sync client, fenced by its attempt number), and how its actor ends.

A kind's runner subclasses `AttemptRunner` (the scheduler wraps it with `ray.remote`) and its
reporter subclasses `AttemptReporter`, adding the kind's own writes.
"""

from __future__ import annotations

import json
import os
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import redis

from kiln_server.operations import scripts
from kiln_server.operations.record import State
from kiln_server.operations.store import OperationKind, transition_call
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys

# How long a finished attempt's actor waits to be collected by its gateway before it exits by
# itself: without a gateway watching (it was stopped), it must not hold its CPUs/GPUs forever.
LINGER_S = 15


_CLIENTS: dict[str, redis.Redis] = {}
_CLIENTS_LOCK = threading.Lock()


def client_of(url: str) -> redis.Redis:
    """One sync client (and connection pool) per Redis URL and process: a warm worker runs many
    attempts, and each would otherwise open its connections again. The client is thread-safe."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(url)
        if client is None:
            client = _CLIENTS[url] = redis.Redis.from_url(url)
        return client


class Fenced(Exception):
    """This attempt no longer owns the operation (it ended, was cancelled, or moved to another attempt)."""


@dataclass
class AttemptHandle:
    """What a worker needs to find its operation: plain values, so it pickles into Ray."""

    tenant: str
    id: str
    attempt: int
    redis_url: str
    prefix: str
    artifact_root: str
    scratch_dir: str


class AttemptReporter:
    """Sync Redis access for one attempt. Every write that decides the operation's fate goes
    through a fenced script, so an attempt that was replaced can no longer change it."""

    operation: OperationKind
    codec: HashCodec

    def __init__(self, handle: AttemptHandle):
        self.h = handle
        self.keys = Keys(handle.prefix)
        self.redis = client_of(handle.redis_url)
        self.record_key = self.operation.record_key(self.keys, handle.tenant, handle.id)
        self.events_key = self.operation.events_key(self.keys, handle.tenant, handle.id)
        self._transition = self.redis.register_script(scripts.TRANSITION)

    def owns(self, client: Any = None) -> bool:
        """Whether the operation is RUNNING on this attempt (`client`: a watching pipeline)."""
        state, attempt = (client or self.redis).hmget(self.record_key, "state", "attempt")
        return state == State.RUNNING.encode() and int(attempt or 0) == self.h.attempt

    def transition(self, to: State, reason: str, **fields: Any) -> bool:
        """RUNNING on this attempt -> `to`, with `fields` (record attributes); False when fenced."""
        ok, _, _ = self._transition(**self._transition_call(to, reason, fields))
        return bool(int(ok))

    def stage_transition(self, pipe: Any, to: State, reason: str, **fields: Any) -> None:
        """`transition`, queued on `pipe` to commit with the caller's other writes."""
        self._transition(**self._transition_call(to, reason, fields), client=pipe)

    def _transition_call(self, to: State, reason: str, fields: dict[str, Any]) -> dict[str, list]:
        return transition_call(
            self.operation,
            self.keys,
            self.h.tenant,
            self.h.id,
            (State.RUNNING,),
            to,
            reason=reason,
            attempt=self.h.attempt,
            fields=self.codec.fields(**fields),
        )

    def fail(self, reason: str) -> bool:
        """FAILED with `reason`; what was reported so far stays."""
        return self.transition(State.FAILED, reason, error=reason)

    def event(self, kind: str, data: dict, client: Any = None) -> None:
        (client or self.redis).xadd(
            self.events_key, {"kind": kind, "data": json.dumps(data)}, maxlen=scripts.EVENTS_MAXLEN, approximate=True
        )

    def mark_pid(self) -> None:
        fields = self.codec.fields(worker_pid=os.getpid(), worker_host=os.uname().nodename)
        self.redis.hset(self.record_key, mapping=fields)


class AttemptRunner(ABC):
    """What runs inside one attempt's Ray actor. A plain class, tested without Ray."""

    def pid(self) -> int:
        """The gateway pings this to tell a live actor from a dead one."""
        return os.getpid()

    def run(self) -> str:
        """Runs the attempt; returns its outcome ("SUCCEEDED", "FAILED", "STOPPED") for the log."""
        try:
            return self.attempt()
        finally:
            # The gateway kills this detached actor once it has the outcome; see LINGER_S.
            timer = threading.Timer(LINGER_S, os._exit, args=(0,))
            timer.daemon = True
            timer.start()

    @abstractmethod
    def attempt(self) -> str: ...
