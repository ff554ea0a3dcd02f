"""Shared Redis mechanics for tenant-owned resources: idempotent create, get, paged list, delete."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from kiln_server.operations import scripts
from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.keys import Keys
from kiln_server.platform.pagination import Cursor, decode_token, encode_token, page_size_of

IDEMPOTENCY_TTL_S = 24 * 3600


def decode_hash(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


def flatten(fields: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for k, v in fields.items():
        if v is None:
            continue
        out += [k, v if isinstance(v, str) else json.dumps(v)]
    return out


class Repository(ABC):
    """Async access to one kind of tenant-owned hash record with a newest-first index."""

    kind: str  # "job", "dataset", "model": used in idempotency keys and errors

    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._create = redis.register_script(scripts.CREATE)

    @abstractmethod
    def record_key(self, tenant: str, rid: str) -> str: ...

    @abstractmethod
    def index_key(self, tenant: str) -> str: ...

    async def create(
        self,
        tenant: str,
        rid: str,
        fields: dict[str, Any],
        *,
        score_ms: int,
        request_id: str = "",
        fingerprint: str = "",
        events_key: str = "",
        event: dict | None = None,
        active: bool = False,
        enqueue: bool = False,
    ) -> str:
        """Writes the record atomically and returns its id, or the earlier id for a seen request_id."""
        idem = self.keys.idempotency(tenant, self.kind, request_id) if request_id else ""
        result = await self._create(
            keys=[
                idem,
                self.record_key(tenant, rid),
                self.index_key(tenant),
                events_key,
                self.keys.active_jobs() if active else "",
                self.keys.job_queue() if enqueue else "",
            ],
            args=[
                rid,
                fingerprint,
                score_ms,
                IDEMPOTENCY_TTL_S,
                f"{tenant}/{rid}",
                json.dumps(event) if event else "",
                *flatten(fields),
            ],
        )
        created, existing = int(result[0]), result[1].decode()
        if not created and fingerprint and result[2].decode() != fingerprint:
            raise InvalidArgument.field(
                "request_id", f"already used for a different {self.kind} ({self.kind}s/{existing})"
            )
        return existing

    async def seen_request(self, tenant: str, request_id: str, fingerprint: str) -> str | None:
        """The id created earlier for this request_id, if any (checked before expensive work)."""
        if not request_id:
            return None
        rid, fp = await self.redis.hmget(self.keys.idempotency(tenant, self.kind, request_id), "id", "fp")
        if rid is None:
            return None
        if fingerprint and fp and fp.decode() != fingerprint:
            raise InvalidArgument.field(
                "request_id", f"already used for a different {self.kind} ({self.kind}s/{rid.decode()})"
            )
        return rid.decode()

    async def get(self, tenant: str, rid: str) -> dict[str, str] | None:
        raw = await self.redis.hgetall(self.record_key(tenant, rid))
        return decode_hash(raw) if raw else None

    async def list_page(
        self,
        tenant: str,
        page_size: int,
        page_token: str,
        query: str,
        keep: Callable[[dict[str, str]], bool] | None = None,
    ) -> tuple[list[dict[str, str]], str]:
        """Newest first; `keep` filters records server-side without breaking the cursor."""
        size = page_size_of(page_size)
        cursor = decode_token(page_token, query) or Cursor(score=float("inf"))
        index = self.index_key(tenant)
        out: list[dict[str, str]] = []
        last = cursor
        max_score: str = "+inf" if cursor.score == float("inf") else repr(cursor.score)
        while len(out) < size:
            batch = await self.redis.zrevrangebyscore(
                index, max_score, "-inf", start=0, num=size * 2 + len(last.seen), withscores=True
            )
            fresh = [(m.decode(), s) for m, s in batch if not (s == last.score and m.decode() in last.seen)]
            if not fresh:
                return out, ""
            for rid, score in fresh:
                last = Cursor(score, (last.seen if score == last.score else []) + [rid])
                record = await self.get(tenant, rid)
                if record is not None and (keep is None or keep(record)):
                    out.append(record)
                    if len(out) == size:
                        break
            max_score = repr(last.score)
        more = await self.redis.zcount(index, "-inf", f"({last.score!r}") > 0 or await self._more_at(index, last)
        return out, encode_token(last, query) if more else ""

    async def _more_at(self, index: str, last: Cursor) -> bool:
        return await self.redis.zcount(index, repr(last.score), repr(last.score)) > len(last.seen)

    async def delete(self, tenant: str, rid: str, *extra_keys: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.record_key(tenant, rid), *extra_keys)
            pipe.zrem(self.index_key(tenant), rid)
            deleted, _ = await pipe.execute()
        return bool(deleted)
