"""Tenants and their API keys. Keys are stored only as sha256 hashes mapped to a tenant, with
the key's role, expiry and last-used time; client-certificate subjects map to a tenant and role.

Who a key or certificate is gets read on every call, so the store keeps the answer for
`cache_ttl_s` (KilnConfig.local_cache_ttl_s): a revocation, expiry-time change or unmapping made
through this store drops it at once; one made through another gateway applies here within
`cache_ttl_s`. A key's own expiry time is checked on every call, cached or not."""

from __future__ import annotations

import re
import time

import redis.asyncio as aioredis

from kiln_server.platform.auth import hash_key, new_api_key
from kiln_server.platform.errors import InvalidArgument, NotFound
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys
from kiln_server.platform.ttl_cache import TtlCache
from kiln_server.tenants.record import ApiKeyRecord, Principal, Role, TenantRecord

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_DISPLAY_NAME = 256
MAX_SUBJECT = 1024
MAX_KEY_TTL_S = 10 * 365 * 24 * 3600


def check_tenant_id(tenant: str, field: str = "tenant") -> None:
    if not _TENANT_ID.match(tenant):
        raise InvalidArgument.field(field, f"must match {_TENANT_ID.pattern}, got {tenant!r}")


class TenantStore:
    tenant_codec = HashCodec(TenantRecord)
    key_codec = HashCodec(ApiKeyRecord)

    def __init__(self, redis: aioredis.Redis, keys: Keys, cache_ttl_s: float = 0.0):
        self.redis = redis
        self.keys = keys
        # key hash or "cert:<subject>" -> (principal, key expiry in ms or 0)
        self.principals: TtlCache[str, tuple[Principal, int]] = TtlCache(cache_ttl_s)

    async def create_tenant(self, tenant: str, display_name: str = "") -> bool:
        """Creates the tenant; False if it already existed."""
        check_tenant_id(tenant)
        if len(display_name) > MAX_DISPLAY_NAME:
            raise InvalidArgument.field("display_name", f"at most {MAX_DISPLAY_NAME} characters")
        added = await self.redis.sadd(self.keys.tenants(), tenant)
        if added:
            record = TenantRecord(display_name=display_name or tenant, create_time=_now_ms())
            await self.redis.hset(self.keys.tenant(tenant), mapping=self.tenant_codec.to_hash(record))
        return bool(added)

    async def exists(self, tenant: str) -> bool:
        return bool(await self.redis.sismember(self.keys.tenants(), tenant))

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

    async def api_key(self, tenant: str, key_id: str) -> ApiKeyRecord | None:
        digest = await self.redis.hget(self.keys.tenant_keys(tenant), key_id)
        if digest is None:
            return None
        raw = await self.redis.hgetall(self.keys.api_key(digest.decode()))
        return self.key_codec.from_hash(raw) if raw else None

    async def tenants(self) -> list[str]:
        return sorted(m.decode() for m in await self.redis.smembers(self.keys.tenants()))

    async def create_key(self, tenant: str, role: Role = Role.MEMBER, ttl_s: int = 0) -> tuple[str, str]:
        """Returns (key_id, secret). The secret is shown once and never stored in clear.
        `ttl_s` > 0: the key stops authenticating that many seconds from now."""
        if not 0 <= ttl_s <= MAX_KEY_TTL_S:
            raise InvalidArgument.field("ttl_seconds", f"must be in [0, {MAX_KEY_TTL_S}], got {ttl_s}")
        if not await self.exists(tenant):
            raise NotFound("tenant", tenant)
        key_id, secret = new_api_key()
        digest = hash_key(secret)
        now = _now_ms()
        record = ApiKeyRecord(
            tenant=tenant,
            key_id=key_id,
            create_time=now,
            role=Role(role),
            expire_time=now + ttl_s * 1000 if ttl_s else 0,
        )
        async with self.redis.pipeline(transaction=True) as pipe:
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
        self.principals.drop(digest.decode())
        return True

    async def rotate_key(self, tenant: str, key_id: str, grace_s: int = 0) -> tuple[str, str]:
        """A new key with the old one's role (and remaining lifetime policy: same TTL length);
        the old key stops working now, or `grace_s` seconds from now so clients can switch."""
        old = await self.api_key(tenant, key_id)
        if old is None:
            raise NotFound("api key", f"tenants/{tenant}/keys/{key_id}")
        if not 0 <= grace_s <= 7 * 24 * 3600:
            raise InvalidArgument.field("grace_seconds", f"must be in [0, {7 * 24 * 3600}], got {grace_s}")
        ttl_s = (old.expire_time - old.create_time) // 1000 if old.expire_time else 0
        new = await self.create_key(tenant, old.role, ttl_s)
        if grace_s:
            digest = await self.redis.hget(self.keys.tenant_keys(tenant), key_id)
            if digest is not None:
                end = _now_ms() + grace_s * 1000
                if old.expire_time:
                    end = min(end, old.expire_time)
                await self.redis.hset(self.keys.api_key(digest.decode()), "expire_time", str(end))
                self.principals.drop(digest.decode())
        else:
            await self.revoke_key(tenant, key_id)
        return new

    async def principal_for(self, secret: str) -> Principal | None:
        """Who the secret authenticates, or None (unknown, revoked or expired)."""
        digest = hash_key(secret)
        known = self.principals.get(digest)
        if known is not None:
            principal, expire_time = known
            return None if expire_time and _now_ms() >= expire_time else principal
        epoch = self.principals.epoch
        raw = await self.redis.hgetall(self.keys.api_key(digest))
        if not raw:
            return None
        record = self.key_codec.from_hash(raw)
        if record.expired(_now_ms()):
            return None
        principal = Principal(tenant=record.tenant, role=record.role, key_id=record.key_id)
        self.principals.put(digest, (principal, record.expire_time), epoch)
        return principal

    async def tenant_for(self, secret: str) -> str | None:
        principal = await self.principal_for(secret)
        return principal.tenant if principal else None

    async def touch(self, secret: str) -> None:
        """Records the key's last use (the caller bounds how often: a write per call is waste)."""
        key = self.keys.api_key(hash_key(secret))
        # Only an existing hash: a key revoked meanwhile must not be recreated as a stub.
        if await self.redis.exists(key):
            await self.redis.hset(key, "last_used_time", str(_now_ms()))

    # -- client certificates (mutual TLS) ------------------------------------------------------
    async def map_certificate(self, subject: str, tenant: str, role: Role = Role.MEMBER) -> None:
        if not subject or len(subject) > MAX_SUBJECT:
            raise InvalidArgument.field("subject", f"must be 1 to {MAX_SUBJECT} characters")
        if not await self.exists(tenant):
            raise NotFound("tenant", tenant)
        await self.redis.hset(self.keys.cert_subjects(), subject, f"{tenant}/{Role(role).value}")
        self.principals.drop(f"cert:{subject}")

    async def unmap_certificate(self, subject: str) -> bool:
        removed = bool(await self.redis.hdel(self.keys.cert_subjects(), subject))
        self.principals.drop(f"cert:{subject}")
        return removed

    async def certificate_mappings(self) -> dict[str, tuple[str, Role]]:
        raw = await self.redis.hgetall(self.keys.cert_subjects())
        out = {}
        for k, v in raw.items():
            tenant, _, role = v.decode().partition("/")
            out[k.decode()] = (tenant, Role(role))
        return out

    async def principal_for_certificate(self, subject: str) -> Principal | None:
        known = self.principals.get(f"cert:{subject}")
        if known is not None:
            return known[0]
        epoch = self.principals.epoch
        value = await self.redis.hget(self.keys.cert_subjects(), subject)
        if value is None:
            return None
        tenant, _, role = value.decode().partition("/")
        principal = Principal(tenant=tenant, role=Role(role), cert_subject=subject)
        self.principals.put(f"cert:{subject}", (principal, 0), epoch)
        return principal

    async def delete_tenant_records(self, tenant: str) -> int:
        """Removes the tenant, its keys, certificate mappings and quota overrides; returns the
        number of keys revoked. (The tenant's data goes through tenants/purge.py.)"""
        digests = await self.redis.hgetall(self.keys.tenant_keys(tenant))
        mappings = await self.certificate_mappings()
        async with self.redis.pipeline(transaction=True) as pipe:
            for digest in digests.values():
                pipe.delete(self.keys.api_key(digest.decode()))
            for subject, (owner, _) in mappings.items():
                if owner == tenant:
                    pipe.hdel(self.keys.cert_subjects(), subject)
            pipe.delete(self.keys.tenant_keys(tenant), self.keys.tenant(tenant), self.keys.tenant_quotas(tenant))
            pipe.srem(self.keys.tenants(), tenant)
            await pipe.execute()
        self.principals.drop_where(lambda _, known: known[0].tenant == tenant)
        return len(digests)


def _now_ms() -> int:
    return int(time.time() * 1000)
