"""Request claims on a real Redis: one holder per request_id, waiters run after it, mismatches fail."""

from __future__ import annotations

import asyncio

import pytest

from kiln_server.platform.claims import RequestClaims
from kiln_server.platform.errors import InvalidArgument


async def test_concurrent_holders_of_one_request_id_run_one_at_a_time(redis_client, keys):
    claims = RequestClaims(redis_client, keys)
    inside, most, order = 0, 0, []

    async def call(i: int) -> None:
        nonlocal inside, most
        async with claims.hold("t", "generate", "r-1", "fp"):
            inside += 1
            most = max(most, inside)
            order.append(i)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(call(i) for i in range(8)))
    assert most == 1 and sorted(order) == list(range(8))
    assert await redis_client.get(claims.key("t", "generate", "r-1")) is None  # released


async def test_a_different_request_under_a_held_id_is_invalid_argument(redis_client, keys):
    claims = RequestClaims(redis_client, keys)
    async with claims.hold("t", "generate", "r-2", "fp-a"):
        with pytest.raises(InvalidArgument) as err:
            async with claims.hold("t", "generate", "r-2", "fp-b"):
                pass
        assert err.value.violations[0].field == "request_id"
    async with claims.hold("t", "generate", "r-2", "fp-b"):  # free again once released
        pass
    async with claims.hold("other", "generate", "r-2", "fp-a"), claims.hold("t", "generate", "r-2", "fp-c"):
        pass  # tenants do not share request ids


async def test_a_failing_holder_releases_its_claim(redis_client, keys):
    claims = RequestClaims(redis_client, keys)
    with pytest.raises(RuntimeError):
        async with claims.hold("t", "generate", "r-3", "fp"):
            raise RuntimeError("boom")
    async with asyncio.timeout(1):
        async with claims.hold("t", "generate", "r-3", "fp"):
            pass
