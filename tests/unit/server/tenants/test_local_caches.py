"""The gateway's in-process caches of API keys, quotas and model routes, on real Redis: a change
through this gateway applies at once, one through another gateway (another store on the same
Redis) within the TTL; the quota charge reads a cache entry in the same round trip."""

from __future__ import annotations

import dataclasses

import pytest
import redis.asyncio as aioredis

from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.config import KilnConfig
from kiln_server.platform.errors import FailedPrecondition, ResourceExhausted
from kiln_server.platform.ttl_cache import TtlCache
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.sampling.ray_serve import RayServeBackend
from kiln_server.sampling.record import DeploymentRecord
from kiln_server.sampling.router import Router
from kiln_server.tenants.audit import AuditLog
from kiln_server.tenants.quotas import QuotaStore
from kiln_server.tenants.ratelimit import SamplingLimiter
from kiln_server.tenants.record import Principal, Role
from kiln_server.tenants.store import TenantStore
from tests.unit.server.records import model_record

TTL = 1.0


async def who(store: TenantStore, secret: str = "", subject: str = "") -> Principal:
    found = await (store.principal_for_certificate(subject) if subject else store.principal_for(secret))
    assert found is not None
    return found


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_keys_revoked_here_stop_at_once_and_elsewhere_within_the_ttl(redis_client, keys):
    here, clock = TenantStore(redis_client, keys, TTL), Clock()
    here.principals.clock = clock
    elsewhere = TenantStore(redis_client, keys)  # another gateway: same Redis, its own memory
    await here.create_tenant("acme")
    key_id, secret = await here.create_key("acme")
    assert (await who(here, secret)).tenant == "acme"
    # Revoked through this gateway: refused on the next call.
    assert await here.revoke_key("acme", key_id)
    assert await here.principal_for(secret) is None
    # Revoked through another gateway: still known here until the TTL ends, refused after it.
    key_id, secret = await here.create_key("acme", Role.VIEWER)
    assert (await who(here, secret)).role == Role.VIEWER
    assert await elsewhere.revoke_key("acme", key_id)
    clock.now += TTL * 0.9
    assert await here.principal_for(secret) is not None
    clock.now += TTL * 0.1
    assert await here.principal_for(secret) is None


async def test_a_cached_key_still_expires_on_time_and_rotation_and_deletion_apply_at_once(redis_client, keys):
    store = TenantStore(redis_client, keys, 60.0)  # a long TTL: nothing here may wait for it
    await store.create_tenant("acme")
    key_id, secret = await store.create_key("acme", ttl_s=3600)
    assert await store.principal_for(secret) is not None
    # The expiry time is checked against the cached record on every call.
    digest = (await redis_client.hget(keys.tenant_keys("acme"), key_id)).decode()
    entry = store.principals.get(digest)
    assert entry is not None
    store.principals.put(digest, (entry[0], 1))
    assert await store.principal_for(secret) is None
    # Rotation with a grace period moves the old key's expiry: re-read, not the cached one.
    key_id, old = await store.create_key("acme")
    assert await store.principal_for(old) is not None
    await store.rotate_key("acme", key_id, grace_s=60)
    assert store.principals.get((await redis_client.hget(keys.tenant_keys("acme"), key_id)).decode()) is None
    # Deleting the tenant drops every cached key of it, and certificate mappings too.
    await store.map_certificate("CN=robot", "acme", Role.MEMBER)
    assert (await who(store, subject="CN=robot")).tenant == "acme"
    await store.map_certificate("CN=robot", "acme", Role.VIEWER)
    assert (await who(store, subject="CN=robot")).role == Role.VIEWER
    await store.delete_tenant_records("acme")
    assert await store.principal_for(old) is None
    assert await store.principal_for_certificate("CN=robot") is None


async def test_quotas_set_here_apply_at_once_and_elsewhere_within_the_ttl(redis_client, keys, tmp_path):
    defaults = KilnConfig(data_dir=tmp_path, redis_url="redis://unused:6379").quotas()
    clock = Clock()
    shared: TtlCache = TtlCache(TTL, clock=clock)
    admin, limiter_store = (
        QuotaStore(redis_client, keys, defaults, shared),
        QuotaStore(redis_client, keys, defaults, shared),
    )
    elsewhere = QuotaStore(redis_client, keys, defaults)
    assert (await limiter_store.get("acme")).sampling_requests_per_s == defaults.sampling_requests_per_s
    await admin.set("acme", {"sampling_requests_per_s": 3.0})
    assert (await limiter_store.get("acme")).sampling_requests_per_s == 3.0
    await elsewhere.set("acme", {"sampling_requests_per_s": 4.0})
    assert (await limiter_store.get("acme")).sampling_requests_per_s == 3.0
    clock.now += TTL
    assert (await limiter_store.get("acme")).sampling_requests_per_s == 4.0


async def test_the_charge_reads_the_cache_entry_in_the_same_call(redis_client, keys, tmp_path):
    defaults = KilnConfig(data_dir=tmp_path, redis_url="redis://unused:6379").quotas()
    quotas = QuotaStore(redis_client, keys, defaults)
    await quotas.set("acme", {"sampling_requests_per_s": 1.0, "sampling_tokens_per_s": 1000.0})
    limiter = SamplingLimiter(redis_client, keys, quotas)
    entry = keys.cache_entry("acme", "v1", "digest")
    assert await limiter.take("acme", 10, entry) == (True, None)  # charged; no entry yet
    await redis_client.set(entry, b"stored")
    assert await limiter.take("acme", 10, entry) == (True, b"stored")
    # The bucket (burst 2) is empty: refused, and the refusal is the answer, not the entry.
    with pytest.raises(ResourceExhausted):
        await limiter.take("acme", 10, entry)
    assert await limiter.take("other", 10) == (False, None)  # nothing asked to read


async def test_the_charge_fails_open_without_redis(keys, tmp_path):
    gone: aioredis.Redis = aioredis.Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    defaults = KilnConfig(data_dir=tmp_path, redis_url="redis://unused:6379").quotas()
    limiter = SamplingLimiter(gone, keys, QuotaStore(gone, keys, defaults))
    assert await limiter.take("acme", 10, keys.cache_entry("acme", "v1", "d")) == (False, None)
    await gone.connection_pool.disconnect()


async def test_routes_are_kept_for_the_ttl_and_dropped_by_changes_made_here(redis_client, keys, tmp_path):
    from kiln_server.models.store import ModelStore

    config = KilnConfig(data_dir=tmp_path, redis_url="redis://unused:6379", local_cache_ttl_s=TTL)
    deployments, models = DeploymentStore(redis_client, keys), ModelStore(redis_client, keys)
    router = Router(config, models, deployments, ArtifactStore(str(tmp_path)), RayServeBackend())
    clock = Clock()
    router._fresh.clock = clock
    # A registered model: an undeployed one is FAILED_PRECONDITION (a built-in would deploy itself).
    await models.create("acme", model_record("m-1"))
    model, model_id = "models/m-1", "m-1"
    ready = DeploymentRecord(target="RAY_SERVE", app="app-1", version="m-1@abc", state="READY")
    await deployments.put("acme", model_id, ready)
    route = await router.resolve("acme", model)
    assert route.app == "app-1" and router.fresh("acme", model) == route
    # Undeployed through another gateway: this one routes to the old app until the TTL ends.
    await deployments.delete("acme", model_id)
    assert (await router.resolve("acme", model)).app == "app-1"
    clock.now += TTL
    with pytest.raises(FailedPrecondition):
        await router.resolve("acme", model)
    # A change through this gateway (deploy, undeploy, delete, tenant purge) forgets at once.
    await deployments.put("acme", model_id, dataclasses.replace(ready, app="app-2"))
    assert (await router.resolve("acme", model)).app == "app-2"
    router.forget("acme", model_id)
    assert router.fresh("acme", model) is None
    await router.resolve("acme", model)
    router.forget("acme")
    assert router.fresh("acme", model) is None
    # Deployments that are not READY are never kept.
    await deployments.set_state("acme", model_id, "DEPLOYING")
    await router.resolve("acme", model)
    assert router.fresh("acme", model) is None


async def test_audit_entries_are_written_behind_the_call_in_order(redis_client, keys):
    audit = AuditLog(redis_client, keys)
    for i in range(5):
        await audit.append(tenant="acme", method=f"/kiln.v1.X/Create{i}", code="OK")
    entries, _ = await audit.query(tenant="acme")  # waits for what this gateway queued
    assert [e.method for e in entries] == [f"/kiln.v1.X/Create{i}" for i in reversed(range(5))]
