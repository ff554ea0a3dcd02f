"""The sampling result cache in Redis, keyed by tenant + model version + canonical request.

Only deterministic requests (greedy, or seeded) are cached. An entry holds the serialized
GenerateResponse and, when the result was streamed, the exact chunks, so a streamed hit replays
the same messages. Entries expire after a TTL, and a global size bound evicts the oldest first
(one Lua script, so the byte count never drifts). Every key has the tenant and the model
version in it: another tenant's entry is never even looked up, and deleting a model version
drops its index of entries.

Redis trouble never fails a sampling call: lookups and stores give up quickly, count the error
and report the cache as degraded; the caller samples uncached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from kiln_server.platform.keys import Keys

log = logging.getLogger("kiln.cache")

# KEYS: entry, version index, lru zset, sizes hash, bytes counter
# ARGV: value, ttl_s, now, max_bytes
_PUT = """
local old = redis.call('HGET', KEYS[4], KEYS[1])
if old then redis.call('DECRBY', KEYS[5], old) end
local size = string.len(ARGV[1])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], KEYS[1])
redis.call('HSET', KEYS[4], KEYS[1], size)
local total = redis.call('INCRBY', KEYS[5], size)
local evicted = 0
while total > tonumber(ARGV[4]) do
  local oldest = redis.call('ZPOPMIN', KEYS[3])
  if #oldest == 0 then break end
  local k = oldest[1]
  local s = redis.call('HGET', KEYS[4], k)
  redis.call('HDEL', KEYS[4], k)
  redis.call('DEL', k)
  if s then total = redis.call('DECRBY', KEYS[5], s) end
  evicted = evicted + 1
end
return evicted
"""


def request_digest(prompt: str, params: dict, n: int) -> str:
    body = json.dumps({"prompt": prompt, "params": params, "n": n}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def pack(response: bytes, chunks: list[bytes] | None) -> bytes:
    """[len][response][len][chunk]... : one opaque value per entry."""
    parts = [response, *(chunks or [])]
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def unpack(value: bytes) -> tuple[bytes, list[bytes]]:
    parts, at = [], 0
    while at < len(value):
        (n,) = struct.unpack_from(">I", value, at)
        parts.append(value[at + 4 : at + 4 + n])
        at += 4 + n
    return parts[0], parts[1:]


class SamplingCache:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int, max_bytes: int):
        self.redis = redis
        self.keys = keys
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self._put = redis.register_script(_PUT)
        self.degraded = False  # the last operation failed to reach Redis

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def _lru(self) -> tuple[str, str, str]:
        p = self.keys.prefix
        return f"{p}:cache:lru", f"{p}:cache:sizes", f"{p}:cache:bytes"

    async def get(self, tenant: str, version: str, digest: str) -> tuple[bytes, list[bytes]] | None:
        if not self.enabled:
            return None
        try:
            value = await self.redis.get(self.keys.cache_entry(tenant, version, digest))
            self.degraded = False
        except (RedisError, OSError) as exc:
            self._trouble(exc)
            return None
        return unpack(value) if value else None

    async def put(self, tenant: str, version: str, digest: str, response: bytes, chunks: list[bytes] | None) -> None:
        if not self.enabled:
            return
        entry = self.keys.cache_entry(tenant, version, digest)
        try:
            await self._put(
                keys=[entry, self.keys.cache_index(tenant, version), *self._lru()],
                args=[pack(response, chunks), self.ttl_s, time.time(), self.max_bytes],
            )
            self.degraded = False
        except (RedisError, OSError) as exc:
            self._trouble(exc)

    async def invalidate(self, tenant: str, version: str) -> int:
        """Drops every entry of one model version (on model deletion)."""
        index = self.keys.cache_index(tenant, version)
        members = [m.decode() for m in await self.redis.smembers(index)]
        lru, sizes, total = self._lru()
        async with self.redis.pipeline(transaction=True) as pipe:
            for m in members:
                pipe.delete(m)
                pipe.zrem(lru, m)
            if members:
                pipe.hdel(sizes, *members)
            pipe.delete(index)
            await pipe.execute()
        # The byte counter is recomputed from the sizes hash rather than decremented, so a
        # racing put cannot make it drift.
        remaining = await self.redis.hvals(sizes)
        await self.redis.set(total, sum(int(v) for v in remaining))
        return len(members)

    def _trouble(self, exc: Exception) -> None:
        if not self.degraded:
            log.warning("result cache unavailable, sampling uncached", extra={"error": str(exc)})
        self.degraded = True
