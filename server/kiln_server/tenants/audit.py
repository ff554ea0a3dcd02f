"""The audit log: one entry per mutating call (who, what, when, result) in a Redis stream.

The stream is capped (XADD MAXLEN ~) so a busy deployment keeps the most recent entries without
growing without bound; the entry id is the time it was written. Admins query it newest first,
filtered by tenant, RPC and time range, with signed page tokens.

Entries are written behind the call: `append` queues the entry and returns, and one writer
task per gateway sends what is queued in order, a pipeline per batch. A call (a sampling cache
hit above all) so never waits on the audit write; `query` first waits for what this gateway
queued, so an admin reads their own calls, and `flush` runs on shutdown. A gateway killed
outright loses the entries of its last few milliseconds; a write that fails is logged with the
entry's fields, as before.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.keys import Keys
from kiln_server.platform.pagination import Cursor, decode_token, encode_token, page_size_of, query_fingerprint

log = logging.getLogger("kiln.rpc")

MAX_ENTRIES = 1_000_000
# Entries queued at most; past it (Redis far slower than the calls) further entries are logged
# and dropped rather than held in memory without bound.
MAX_QUEUED = 10_000
# The writer waits this long before each batch, so a busy gateway sends one pipeline per window
# rather than one per call (each costs the event loop as much as a cache hit's own work).
BATCH_WINDOW_S = 0.02
# How far one query page may scan past entries that its filters reject, so a filter matching
# nothing in a long stream still answers promptly (with a token to go on).
_SCAN_LIMIT = 5000


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    id: str  # the stream entry id ("<ms>-<seq>")
    time_ms: int
    tenant: str  # the caller's tenant ("" when the call did not authenticate)
    principal: str  # "key:<key id>" or "cert:<subject>" ("" when unauthenticated)
    role: str
    method: str  # full gRPC method, e.g. /kiln.v1.JobService/CreateJob
    resource: str  # the request's resource name or tenant when it has one
    code: str  # the status code name the call ended with
    request_id: str
    peer: str


class AuditLog:
    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._queued: list[dict[str, str]] = []
        self._writer: asyncio.Task | None = None

    async def append(self, **fields: str) -> None:
        """Queues the entry; it is written in the background, in order."""
        if len(self._queued) >= MAX_QUEUED:
            log.warning("audit entry not written: too many queued", extra=fields)
            return
        self._queued.append(fields)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def flush(self) -> None:
        """Returns once every entry queued so far was written (or its failure logged)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        await asyncio.sleep(BATCH_WINDOW_S)
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for fields in batch:
                        pipe.xadd(self.keys.audit(), fields, maxlen=MAX_ENTRIES, approximate=True)  # type: ignore[arg-type]
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                for fields in batch:
                    log.warning("audit entry not written: state store unreachable", extra={**fields, "error": str(exc)})

    async def query(
        self,
        *,
        tenant: str = "",
        method: str = "",
        start_ms: int = 0,
        end_ms: int = 0,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[AuditEntry], str]:
        """Entries newest first; `end_ms` (exclusive) and `start_ms` (inclusive) bound the time."""
        if start_ms < 0 or end_ms < 0:
            raise InvalidArgument.field("start_time" if start_ms < 0 else "end_time", "must not be before 1970")
        if end_ms and start_ms and end_ms <= start_ms:
            raise InvalidArgument.field("end_time", "must be after start_time")
        size = page_size_of(page_size)
        await self.flush()
        query = query_fingerprint("audit", tenant, method, start_ms, end_ms)
        cursor = decode_token(page_token, query, self.keys.prefix)
        top = f"({cursor.seen[0]}" if cursor and cursor.seen else (f"({end_ms}-0" if end_ms else "+")
        bottom = f"{start_ms}-0" if start_ms else "-"
        out: list[AuditEntry] = []
        scanned = 0
        last = ""
        while len(out) < size and scanned < _SCAN_LIMIT:
            batch = await self.redis.xrevrange(self.keys.audit(), max=top, min=bottom, count=min(500, size * 4))
            if not batch:
                last = ""
                break
            for entry_id, raw in batch:
                last = entry_id.decode()
                scanned += 1
                entry = _entry(last, raw)
                if (not tenant or entry.tenant == tenant) and (not method or method in entry.method):
                    out.append(entry)
                    if len(out) == size:
                        break
            top = f"({last}"
        token = encode_token(Cursor(score=0, seen=[last]), query, self.keys.prefix) if last else ""
        if token and not await self.redis.xrevrange(self.keys.audit(), max=f"({last}", min=bottom, count=1):
            token = ""
        return out, token


def _entry(entry_id: str, raw: dict) -> AuditEntry:
    f = {k.decode(): v.decode() for k, v in raw.items()}
    return AuditEntry(
        id=entry_id,
        time_ms=int(entry_id.split("-", 1)[0]),
        tenant=f.get("tenant", ""),
        principal=f.get("principal", ""),
        role=f.get("role", ""),
        method=f.get("method", ""),
        resource=f.get("resource", ""),
        code=f.get("code", ""),
        request_id=f.get("request_id", ""),
        peer=f.get("peer", ""),
    )
