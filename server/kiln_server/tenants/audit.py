"""The audit log: one entry per mutating call (who, what, when, result) in a Redis stream.

The stream is capped (XADD MAXLEN ~) so a busy deployment keeps the most recent entries without
growing without bound; the entry id is the time it was written. Admins query it newest first,
filtered by tenant, RPC and time range, with signed page tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.keys import Keys
from kiln_server.platform.pagination import Cursor, decode_token, encode_token, page_size_of, query_fingerprint

MAX_ENTRIES = 1_000_000
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

    async def append(self, **fields: str) -> None:
        await self.redis.xadd(self.keys.audit(), fields, maxlen=MAX_ENTRIES, approximate=True)

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
