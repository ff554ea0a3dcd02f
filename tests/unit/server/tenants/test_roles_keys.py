"""Key roles, expiry, rotation and last-used time; certificate mappings; who may call what."""

from __future__ import annotations

import pytest

from kiln_server.platform.authz import authorize, is_read_only
from kiln_server.platform.errors import InvalidArgument, NotFound, PermissionDenied
from kiln_server.tenants.record import ApiKeyRecord, Principal, Role
from kiln_server.tenants.store import TenantStore


async def principal(store: TenantStore, secret: str) -> Principal:
    found = await store.principal_for(secret)
    assert found is not None
    return found


async def key(store: TenantStore, tenant: str, key_id: str) -> ApiKeyRecord:
    found = await store.api_key(tenant, key_id)
    assert found is not None
    return found


async def test_roles_expiry_and_rotation(redis_client, keys):
    store = TenantStore(redis_client, keys)
    await store.create_tenant("acme")
    _, viewer = await store.create_key("acme", Role.VIEWER)
    assert (await store.principal_for(viewer)) == Principal(tenant="acme", role=Role.VIEWER, key_id=viewer[5:13])
    # Expired keys do not authenticate: one that expired a moment ago (forced by hand).
    key_id, short = await store.create_key("acme", Role.MEMBER, ttl_s=3600)
    assert (await key(store, "acme", key_id)).expire_time > 0
    digest = await redis_client.hget(keys.tenant_keys("acme"), key_id)
    await redis_client.hset(keys.api_key(digest.decode()), "expire_time", "1")
    assert await store.principal_for(short) is None
    # Rotation without grace: the old secret dies, the new one keeps the role.
    admin_id, admin = await store.create_key("acme", Role.ADMIN)
    new_id, new = await store.rotate_key("acme", admin_id)
    assert new_id != admin_id and await store.principal_for(admin) is None
    assert (await principal(store, new)).role == Role.ADMIN
    # With grace, both work until the old one's expiry.
    newer_id, newer = await store.rotate_key("acme", new_id, grace_s=60)
    assert (await principal(store, new)).role == Role.ADMIN and await store.principal_for(newer)
    assert (await key(store, "acme", new_id)).expire_time > 0
    with pytest.raises(NotFound):
        await store.rotate_key("acme", "deadbeef")
    with pytest.raises(InvalidArgument):
        await store.create_key("acme", ttl_s=-1)


async def test_last_used_and_certificates_and_delete(redis_client, keys):
    store = TenantStore(redis_client, keys)
    await store.create_tenant("beta")
    key_id, secret = await store.create_key("beta")
    assert (await key(store, "beta", key_id)).last_used_time == 0
    await store.touch(secret)
    assert (await key(store, "beta", key_id)).last_used_time > 0
    await store.map_certificate("CN=ci,O=Beta", "beta", Role.VIEWER)
    assert (await store.principal_for_certificate("CN=ci,O=Beta") or Principal("", Role.ADMIN)).role == Role.VIEWER
    with pytest.raises(NotFound):
        await store.map_certificate("CN=x", "nobody")
    assert await store.delete_tenant_records("beta") == 1
    assert await store.principal_for(secret) is None
    assert await store.principal_for_certificate("CN=ci,O=Beta") is None
    assert not await store.exists("beta")
    await store.touch(secret)  # a revoked key is not recreated as a stub
    assert await redis_client.exists(keys.api_key(__import__("hashlib").sha256(secret.encode()).hexdigest())) == 0


def test_authorization_by_role():
    viewer = Principal(tenant="t", role=Role.VIEWER, key_id="k")
    member = Principal(tenant="t", role=Role.MEMBER, key_id="k")
    admin = Principal(tenant="t", role=Role.ADMIN, key_id="k")
    for method in ("/kiln.v1.JobService/GetJob", "/kiln.v1.JobService/ListJobs", "/kiln.v1.JobService/WatchJob"):
        assert is_read_only(method)
        authorize(viewer, method)
    for method in ("/kiln.v1.JobService/CreateJob", "/kiln.v1.SamplingService/Generate"):
        with pytest.raises(PermissionDenied):
            authorize(viewer, method)
        authorize(member, method)
    for who in (viewer, member):
        with pytest.raises(PermissionDenied):
            authorize(who, "/kiln.v1.AdminService/ListTenants")
    authorize(admin, "/kiln.v1.AdminService/DeleteTenant")
