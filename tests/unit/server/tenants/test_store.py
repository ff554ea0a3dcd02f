"""Tenants and API keys (only hashes stored), against a real Redis."""

from __future__ import annotations

import pytest

from kiln_server.platform.errors import InvalidArgument, NotFound
from kiln_server.tenants.store import TenantStore


async def test_keys_authenticate_their_tenant_until_revoked(redis_client, keys):
    store = TenantStore(redis_client, keys)
    assert await store.create_tenant("acme", "Acme")
    assert not await store.create_tenant("acme")
    key_id, secret = await store.create_key("acme")
    assert await store.tenant_for(secret) == "acme"
    assert (await store.tenant("acme")).display_name == "Acme"
    assert [k.key_id for k in await store.api_keys("acme")] == [key_id]
    assert secret.encode() not in b"".join(await redis_client.hvals(keys.tenant_keys("acme")))
    assert await store.revoke_key("acme", key_id)
    assert await store.tenant_for(secret) is None
    assert not await store.revoke_key("acme", key_id)
    assert await store.api_keys("acme") == [] and await store.tenant("nobody") is None
    assert await store.tenants() == ["acme"]


async def test_bad_tenants(redis_client, keys):
    store = TenantStore(redis_client, keys)
    with pytest.raises(InvalidArgument):
        await store.create_tenant("Not Valid")
    with pytest.raises(NotFound):
        await store.create_key("nobody")
