"""Shared Redis mechanics for tenant-owned resources: idempotent create, get, paged list, delete.

A store subclasses `Repository[SomeRecord]`, names its keys and its `codec` (the one place its
record becomes a hash and back), and gets typed create/get/list/delete.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

import redis.asyncio as aioredis

from kiln_server.operations import scripts
from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.hashes import HashCodec, Record
from kiln_server.platform.keys import Keys
from kiln_server.platform.pagination import Cursor, decode_token, encode_token, page_size_of

IDEMPOTENCY_TTL_S = 24 * 3600

R = TypeVar("R", bound=Record)


class Repository(ABC, Generic[R]):
    """Async access to one kind of tenant-owned hash record with a newest-first index."""

    kind: ClassVar[str]  # "job", "dataset", "model": used in idempotency keys and errors
    codec: ClassVar[HashCodec]  # the record type's hash layout

    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._create = redis.register_script(scripts.CREATE)

    @abstractmethod
    def record_key(self, tenant: str, rid: str) -> str: ...

    @abstractmethod
    def index_key(self, tenant: str) -> str: ...

    async def create(self, tenant: str, record: R, *, request_id: str = "", fingerprint: str = "") -> str:
        """Writes the record atomically and returns its id, or the earlier id for a seen request_id."""
        return await self._create_with(tenant, record, request_id=request_id, fingerprint=fingerprint)

    async def _create_with(
        self,
        tenant: str,
        record: R,
        *,
        request_id: str,
        fingerprint: str,
        events_key: str = "",
        events: list[tuple[str, dict]] | None = None,
        active_key: str = "",
        queue_key: str = "",
    ) -> str:
        """`create`, plus first events and an active-set and queue entry (the operations' create)."""
        idem = self.keys.idempotency(tenant, self.kind, request_id) if request_id else ""
        pairs = [part for item in self.codec.to_hash(record).items() for part in item]
        result = await self._create(
            keys=[idem, self.record_key(tenant, record.id), self.index_key(tenant), events_key, active_key, queue_key],
            args=[
                record.id,
                fingerprint,
                record.create_time,
                IDEMPOTENCY_TTL_S,
                f"{tenant}/{record.id}",
                scripts.EVENTS_MAXLEN,
                json.dumps([[kind, json.dumps(data)] for kind, data in events or []]),
                *pairs,
            ],
        )
        created, existing = int(result[0]), result[1].decode()
        if not created and fingerprint and result[2].decode() != fingerprint:
            raise self._reused(existing)
        return existing

    async def seen_request(self, tenant: str, request_id: str, fingerprint: str) -> str | None:
        """The id created earlier for this request_id, if any (checked before expensive work)."""
        if not request_id:
            return None
        rid, fp = await self.redis.hmget(self.keys.idempotency(tenant, self.kind, request_id), "id", "fp")
        if rid is None:
            return None
        if fingerprint and fp and fp.decode() != fingerprint:
            raise self._reused(rid.decode())
        return rid.decode()

    def _reused(self, existing: str) -> InvalidArgument:
        return InvalidArgument.field(
            "request_id", f"already used for a different {self.kind} ({self.kind}s/{existing})"
        )

    async def get(self, tenant: str, rid: str) -> R | None:
        raw = await self.redis.hgetall(self.record_key(tenant, rid))
        return self.codec.from_hash(raw) if raw else None

    async def list_page(
        self,
        tenant: str,
        page_size: int,
        page_token: str,
        query: str,
        keep: Callable[[R], bool] | None = None,
    ) -> tuple[list[R], str]:
        """Newest first; `keep` filters records server-side without breaking the cursor."""
        size = page_size_of(page_size)
        query = f"{tenant}/{query}"  # a token is only good for the tenant it was made for
        cursor = decode_token(page_token, query, self.keys.prefix) or Cursor(score=float("inf"))
        index = self.index_key(tenant)
        out: list[R] = []
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
        return out, encode_token(last, query, self.keys.prefix) if more else ""

    async def _more_at(self, index: str, last: Cursor) -> bool:
        return await self.redis.zcount(index, repr(last.score), repr(last.score)) > len(last.seen)

    async def delete(self, tenant: str, rid: str, *extra_keys: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.record_key(tenant, rid), *extra_keys)
            pipe.zrem(self.index_key(tenant), rid)
            deleted, _ = await pipe.execute()
        return bool(deleted)
