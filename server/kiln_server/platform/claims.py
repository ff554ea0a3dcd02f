"""One call at a time per (tenant, kind, request_id): idempotency that holds under concurrency.

An idempotency record is written when a call finishes, so two calls with the same request_id
that arrive together both miss it and both do the work (20 concurrent Generate calls gave 20
sets of sample ids). `RequestClaims.hold` closes the gap: the first caller takes a claim (Redis
SET NX with a TTL), later ones wait for it to be released and then run, finding the first
call's stored result. A claim names the request's fingerprint, so a waiter with a different
request is INVALID_ARGUMENT on request_id at once. A gateway that dies holding a claim holds it
for at most CLAIM_TTL_S. When Redis is unreachable there is nothing to claim with, and calls run
unclaimed (as they did before claims).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.keys import Keys

log = logging.getLogger("kiln.claims")

CLAIM_TTL_S = 300
POLL_S = 0.02
# Deletes the claim only if it is still ours (a claim that expired may belong to another call).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RequestClaims:
    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._release = redis.register_script(_RELEASE)

    def key(self, tenant: str, kind: str, request_id: str) -> str:
        return self.keys.idempotency(tenant, f"{kind}-claim", request_id)

    @contextlib.asynccontextmanager
    async def hold(self, tenant: str, kind: str, request_id: str, fingerprint: str) -> AsyncIterator[None]:
        """Runs the block while holding the claim on `request_id` (waiting for another holder to
        finish first); a block without a request_id runs at once."""
        if not request_id:
            yield
            return
        key, mine = self.key(tenant, kind, request_id), f"{fingerprint}|{secrets.token_hex(8)}"
        held = await self._acquire(key, mine, fingerprint)
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(RedisError, OSError):  # else the TTL frees it
                    await self._release(keys=[key], args=[mine])

    async def _acquire(self, key: str, mine: str, fingerprint: str) -> bool:
        """True once the claim is ours; False when Redis cannot be reached (run unclaimed)."""
        try:
            while not await self.redis.set(key, mine, nx=True, ex=CLAIM_TTL_S):
                holder = await self.redis.get(key)
                if holder is not None and holder.decode().partition("|")[0] != fingerprint:
                    raise InvalidArgument.field("request_id", "already used for a different request")
                await asyncio.sleep(POLL_S)
            return True
        except (RedisError, OSError) as exc:
            log.warning("request claim skipped: state store unreachable", extra={"error": str(exc)})
            return False
