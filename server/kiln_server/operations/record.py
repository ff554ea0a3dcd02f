"""The lifecycle state every long-running operation shares, and the record fields that go with it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED; a lost worker goes back to QUEUED
    (through RETRYING where the kind shows that step) while attempts remain."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    RETRYING = "RETRYING"


FINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.CANCELLED})
ACTIVE_STATES = (State.QUEUED, State.RUNNING, State.RETRYING)


@dataclass(kw_only=True)
class OperationRecord:
    """The fields the lifecycle reads and writes; a kind's record (JobRecord, ...) adds its own.

    `state`, `attempt`, `update_time`, `start_time` and `end_time` are written only by the
    TRANSITION script (and the kind's own fenced worker scripts), never directly."""

    id: str
    tenant: str
    state: State = State.QUEUED
    attempt: int = 0  # 0 until first dispatched; each dispatch counts one up
    owner: str = ""  # the gateway instance watching the running attempt
    create_time: int  # ms since the epoch, like every time below
    # None: not yet. Absent from the hash until then (TRANSITION sets start_time only when absent).
    update_time: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    error: str = ""  # why it FAILED
    # Of the current attempt's worker, for operators (and tests); absent until a worker started.
    worker_pid: int | None = None
    worker_host: str | None = None
    # A warm worker running the attempt (operations/pool.py): "{attempt}:{ray actor name}"; empty
    # when the attempt has an actor of its own (named by its id and attempt).
    worker_actor: str = ""

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES
