"""The storage-bytes quota: a per-tenant counter of stored bytes, reserved before a write commits.

Every path that makes a tenant's data permanent (an upload, a feedback export, a job's output
model and artifacts, ExportModel) reserves the bytes first, atomically in Redis against the
tenant's quota, and releases them if the write then fails; deleting a dataset or model releases
its bytes. A reservation past the quota stores nothing and is RESOURCE_EXHAUSTED naming
quotas.storage_bytes. The counter lives under the tenant's key prefix, so deleting the tenant
removes it with the rest.

Job workers use synchronous Redis clients and the gateway asyncio ones: both run the same two
scripts, so the check and the increment can never be split by a concurrent writer.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from kiln_server.platform.errors import ResourceExhausted
from kiln_server.platform.keys import Keys
from kiln_server.tenants.quotas import QuotaStore

SUBJECT = "quotas.storage_bytes"

# KEYS[1] counter; ARGV[1] bytes, ARGV[2] quota. Returns {1, used after} or {0, used now}.
_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[1])
if n > 0 and used + n > tonumber(ARGV[2]) then
  return {0, used}
end
return {1, redis.call('INCRBY', KEYS[1], n)}
"""

# Never below 0: a release after the counter was reset (tenant deleted) must not go negative.
_RELEASE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = math.min(used, tonumber(ARGV[1]))
if n <= 0 then return used end
return redis.call('DECRBY', KEYS[1], n)
"""


def over_quota(tenant: str, what: str, size: int, used: int, quota: int) -> ResourceExhausted:
    return ResourceExhausted(
        f"{SUBJECT}: the storage quota of tenant {tenant!r} is {quota} bytes and {used} are stored; "
        f"{what} needs {size} more: delete datasets or models first",
        subject=SUBJECT,
    )


def no_room(tenant: str, what: str, size: int, room: int) -> ResourceExhausted:
    """An upload that outgrew the tenant's room while still streaming."""
    return ResourceExhausted(
        f"{SUBJECT}: tenant {tenant!r} has room for {room} more bytes and {what} is already {size}: "
        "delete datasets or models first",
        subject=SUBJECT,
    )


def full(tenant: str, what: str) -> ResourceExhausted:
    """The tenant stores its whole quota already: refused before any work is spent on `what`."""
    return ResourceExhausted(
        f"{SUBJECT}: tenant {tenant!r} stores its whole storage quota already; {what} cannot be kept: "
        "delete datasets or models first",
        subject=SUBJECT,
    )


class StorageLedger:
    """The gateway's (asyncio) side."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, quotas: QuotaStore):
        self.redis = redis
        self.keys = keys
        self.quotas = quotas

    async def quota(self, tenant: str) -> int:
        return (await self.quotas.get(tenant)).storage_bytes

    async def used(self, tenant: str) -> int:
        return int(await self.redis.get(self.keys.storage_bytes(tenant)) or 0)

    async def room(self, tenant: str) -> int:
        """Bytes the tenant may still store (an upload stops early past it)."""
        return max(0, await self.quota(tenant) - await self.used(tenant))

    async def reserve(self, tenant: str, size: int, what: str) -> None:
        quota = await self.quota(tenant)
        ok, used = await self.redis.eval(_RESERVE, 1, self.keys.storage_bytes(tenant), int(size), quota)
        if not ok:
            raise over_quota(tenant, what, size, int(used), quota)

    async def release(self, tenant: str, size: int) -> None:
        if size > 0:
            await self.redis.eval(_RELEASE, 1, self.keys.storage_bytes(tenant), int(size))


def reserve_sync(redis: Any, keys: Keys, tenant: str, size: int, quota: int, what: str) -> None:
    """`StorageLedger.reserve` for a job worker's synchronous client (quota read by the caller)."""
    ok, used = redis.eval(_RESERVE, 1, keys.storage_bytes(tenant), int(size), quota)
    if not ok:
        raise over_quota(tenant, what, size, int(used), quota)


def release_sync(redis: Any, keys: Keys, tenant: str, size: int) -> None:
    if size > 0:
        redis.eval(_RELEASE, 1, keys.storage_bytes(tenant), int(size))
