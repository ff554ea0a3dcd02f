"""An operation kind's Redis layout and the async store over it: idempotent create with first
events and queue entry, fenced state transitions, the event stream, the queue and the active set.

A kind (jobs, evaluations, ...) names its keys once in an `OperationKind` and subclasses
`OperationStore` with its record type; the gateway's services and scheduler use the store, and
the kind's sync worker code uses `transition_call` with the same kind, so both sides write the
same keys through the same scripts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, TypeVar

import redis.asyncio as aioredis

from kiln_server.operations import scripts
from kiln_server.operations.events import Event, check_event_id
from kiln_server.operations.record import OperationRecord
from kiln_server.platform.errors import InvalidArgument, unavailable_on_redis_errors
from kiln_server.platform.keys import Keys
from kiln_server.platform.repository import Repository

R = TypeVar("R", bound=OperationRecord)


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class OperationKind:
    """Where one kind of operation lives in Redis. Each function takes the deployment's Keys;
    per-operation ones also (tenant, id). A new kind adds its key functions to Keys and one of these."""

    name: str  # "job": the idempotency namespace and the word in messages
    collection: str  # "jobs": resource names "jobs/{id}"
    record_key: Callable[[Keys, str, str], str]  # the record hash
    index_key: Callable[[Keys, str], str]  # the tenant's newest-first index
    events_key: Callable[[Keys, str, str], str]  # the event stream
    active_key: Callable[[Keys], str]  # set of "tenant/id" not yet final (the reconciler walks it)
    queue_key: Callable[[Keys], str]  # list of "tenant/id" waiting for a gateway


class Transition(NamedTuple):
    ok: bool  # False: the operation was not in an allowed state (or not on the expected attempt)
    state: str  # the state it is in now
    attempt: int


def transition_call(
    kind: OperationKind,
    keys: Keys,
    tenant: str,
    rid: str,
    allowed: tuple[str, ...],
    to: str,
    *,
    reason: str = "",
    attempt: int | None = None,
    bump_attempt: bool = False,
    enqueue: bool = False,
    fields: dict[str, str] | None = None,
) -> dict[str, list]:
    """The keys and args of one TRANSITION call (see scripts.TRANSITION); `fields` are already
    encoded by the kind's codec. Shared by the async store and the sync workers."""
    pairs = [part for item in (fields or {}).items() for part in item]
    return {
        "keys": [
            kind.record_key(keys, tenant, rid),
            kind.events_key(keys, tenant, rid),
            kind.active_key(keys),
            kind.queue_key(keys),
        ],
        "args": [
            ",".join(allowed),
            "" if attempt is None else str(attempt),
            to,
            reason,
            now_ms(),
            f"{tenant}/{rid}",
            "1" if bump_attempt else "0",
            "1" if enqueue else "0",
            scripts.EVENTS_MAXLEN,
            *pairs,
        ],
    }


class OperationStore(Repository[R]):
    operation: ClassVar[OperationKind]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "operation" in cls.__dict__:
            cls.kind = cls.operation.name

    def __init__(self, redis: aioredis.Redis, keys: Keys):
        super().__init__(redis, keys)
        self._transition = redis.register_script(scripts.TRANSITION)

    def record_key(self, tenant: str, rid: str) -> str:
        return self.operation.record_key(self.keys, tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.operation.index_key(self.keys, tenant)

    def events_key(self, tenant: str, rid: str) -> str:
        return self.operation.events_key(self.keys, tenant, rid)

    # -- create and transitions ------------------------------------------------------------------
    async def create(
        self,
        tenant: str,
        record: R,
        *,
        request_id: str = "",
        fingerprint: str = "",
        events: list[tuple[str, dict]] | None = None,
        queue: bool = False,
    ) -> str:
        """Writes the record with its first events and, when `queue`, marks it active and queues
        it, in one step; returns its id, or the earlier one for a seen request_id."""
        return await self._create_with(
            tenant,
            record,
            request_id=request_id,
            fingerprint=fingerprint,
            events_key=self.events_key(tenant, record.id),
            events=events,
            active_key=self.operation.active_key(self.keys) if queue else "",
            queue_key=self.operation.queue_key(self.keys) if queue else "",
        )

    async def transition(
        self,
        tenant: str,
        rid: str,
        allowed: tuple[str, ...],
        to: str,
        *,
        reason: str = "",
        attempt: int | None = None,
        bump_attempt: bool = False,
        enqueue: bool = False,
        fields: dict[str, Any] | None = None,
    ) -> Transition:
        """Atomically moves the operation to `to` if it is in `allowed` (and on `attempt`, if
        given), setting `fields` (record attributes) with it."""
        ok, state, att = await self._transition(
            **transition_call(
                self.operation,
                self.keys,
                tenant,
                rid,
                allowed,
                to,
                reason=reason,
                attempt=attempt,
                bump_attempt=bump_attempt,
                enqueue=enqueue,
                fields=self.codec.fields(**(fields or {})),
            )
        )
        return Transition(bool(int(ok)), state.decode(), int(att))

    async def set_fields(self, tenant: str, rid: str, **fields: Any) -> None:
        """Sets record attributes that are not part of the lifecycle (e.g. the owner)."""
        await self.redis.hset(self.record_key(tenant, rid), mapping=self.codec.fields(**fields))

    # -- events ----------------------------------------------------------------------------------
    async def read_events(
        self, tenant: str, rid: str, after: str, block_ms: int | None, count: int = 200
    ) -> list[Event]:
        """Events after stream id `after` ("0" for all); blocks up to block_ms for new ones."""
        reply = await self.redis.xread({self.events_key(tenant, rid): after}, count=count, block=block_ms)
        return [
            Event(eid.decode(), f[b"kind"].decode(), json.loads(f[b"data"]))
            for _stream, entries in reply or []
            for eid, f in entries
        ]

    async def resume_cursor(self, tenant: str, rid: str, after_event_id: str, field: str = "after_event_id") -> str:
        """Where a watch starts: "0" (the beginning), or `after_event_id` once it is known to be an
        event of this operation. A malformed or unknown id is INVALID_ARGUMENT naming `field`; an
        unreachable Redis is UNAVAILABLE."""
        if not after_event_id:
            return "0"
        check_event_id(after_event_id, field)
        with unavailable_on_redis_errors("the event stream"):
            found = await self.redis.xrange(self.events_key(tenant, rid), after_event_id, after_event_id, count=1)
        if not found:
            name = f"{self.operation.collection}/{rid}"
            raise InvalidArgument.field(field, f"no event {after_event_id!r} in {name}")
        return after_event_id

    # -- queue and active set (the scheduler's side) ---------------------------------------------
    async def pop_queued(self, timeout_s: float) -> tuple[str, str] | None:
        item = await self.redis.brpop([self.operation.queue_key(self.keys)], timeout=timeout_s)
        if item is None:
            return None
        tenant, rid = item[1].decode().split("/", 1)
        return tenant, rid

    async def queued(self) -> set[str]:
        """The "tenant/id" members waiting in the queue."""
        return {m.decode() for m in await self.redis.lrange(self.operation.queue_key(self.keys), 0, -1)}

    async def enqueue(self, tenant: str, rid: str) -> None:
        await self.redis.lpush(self.operation.queue_key(self.keys), f"{tenant}/{rid}")

    async def active(self) -> list[tuple[str, str]]:
        members = await self.redis.smembers(self.operation.active_key(self.keys))
        return [tuple(m.decode().split("/", 1)) for m in members]  # type: ignore[misc]

    async def forget_active(self, tenant: str, rid: str) -> None:
        await self.redis.srem(self.operation.active_key(self.keys), f"{tenant}/{rid}")
