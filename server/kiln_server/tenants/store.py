"""Tenants and their API keys. Keys are stored only as sha256 hashes mapped to a tenant."""

from __future__ import annotations

import re
import time

import redis.asyncio as aioredis

from kiln_server.platform.auth import hash_key, new_api_key
from kiln_server.platform.errors import InvalidArgument, NotFound
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys
from kiln_server.tenants.record import ApiKeyRecord, TenantRecord

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class TenantStore:
    tenant_codec = HashCodec(TenantRecord)
    key_codec = HashCodec(ApiKeyRecord)

    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys

    async def create_tenant(self, tenant: str, display_name: str = "") -> bool:
        """Creates the tenant; False if it already existed."""
        if not _TENANT_ID.match(tenant):
            raise InvalidArgument.field("tenant", f"must match {_TENANT_ID.pattern}, got {tenant!r}")
        added = await self.redis.sadd(self.keys.tenants(), tenant)
        if added:
            record = TenantRecord(display_name=display_name or tenant, create_time=_now_ms())
            await self.redis.hset(self.keys.tenant(tenant), mapping=self.tenant_codec.to_hash(record))
        return bool(added)

    async def tenant(self, tenant: str) -> TenantRecord | None:
        raw = await self.redis.hgetall(self.keys.tenant(tenant))
        return self.tenant_codec.from_hash(raw) if raw else None

    async def api_keys(self, tenant: str) -> list[ApiKeyRecord]:
        """The tenant's keys, by key id."""
        digests = await self.redis.hgetall(self.keys.tenant_keys(tenant))
        out = []
        for _, digest in sorted(digests.items()):
            raw = await self.redis.hgetall(self.keys.api_key(digest.decode()))
            if raw:
                out.append(self.key_codec.from_hash(raw))
        return out

    async def tenants(self) -> list[str]:
        return sorted(m.decode() for m in await self.redis.smembers(self.keys.tenants()))

    async def create_key(self, tenant: str) -> tuple[str, str]:
        """Returns (key_id, secret). The secret is shown once and never stored in clear."""
        if not await self.redis.sismember(self.keys.tenants(), tenant):
            raise NotFound("tenant", tenant)
        key_id, secret = new_api_key()
        digest = hash_key(secret)
        async with self.redis.pipeline(transaction=True) as pipe:
            record = ApiKeyRecord(tenant=tenant, key_id=key_id, create_time=_now_ms())
            pipe.hset(self.keys.api_key(digest), mapping=self.key_codec.to_hash(record))
            pipe.hset(self.keys.tenant_keys(tenant), key_id, digest)
            await pipe.execute()
        return key_id, secret

    async def revoke_key(self, tenant: str, key_id: str) -> bool:
        digest = await self.redis.hget(self.keys.tenant_keys(tenant), key_id)
        if digest is None:
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.api_key(digest.decode()))
            pipe.hdel(self.keys.tenant_keys(tenant), key_id)
            await pipe.execute()
        return True

    async def tenant_for(self, secret: str) -> str | None:
        tenant = await self.redis.hget(self.keys.api_key(hash_key(secret)), "tenant")
        return tenant.decode() if tenant else None


def _now_ms() -> int:
    return int(time.time() * 1000)
