"""The sampling result cache: canonical keys, and the size bound, against a real Redis."""

from __future__ import annotations

import pytest

from kiln_server.sampling.cache import SamplingCache, pack, request_digest, unpack


def test_the_digest_is_canonical_in_the_params():
    a = request_digest("hi", {"temperature": 0.0, "top_k": 0}, 1)
    assert a == request_digest("hi", {"top_k": 0, "temperature": 0.0}, 1)
    assert a != request_digest("hi", {"temperature": 0.0, "top_k": 0}, 2)
    assert a != request_digest("hi ", {"temperature": 0.0, "top_k": 0}, 1)


def test_pack_round_trip():
    assert unpack(pack(b"resp", [b"c1", b""])) == (b"resp", [b"c1", b""])
    assert unpack(pack(b"resp", None)) == (b"resp", [])


@pytest.fixture
def cache(redis_client, keys) -> SamplingCache:
    return SamplingCache(redis_client, keys, ttl_s=60, max_bytes=100)


async def test_entries_are_per_tenant_and_model_version(cache):
    await cache.put("t", "m@1", "d", b"answer", None)
    assert await cache.get("t", "m@1", "d") == (b"answer", [])
    assert await cache.get("other", "m@1", "d") is None
    assert await cache.get("t", "m@2", "d") is None
    assert await cache.invalidate("t", "m@1") == 1
    assert await cache.get("t", "m@1", "d") is None


async def test_the_size_bound_evicts_the_oldest_first(cache):
    for i in range(5):
        await cache.put("t", "m@1", f"d{i}", b"x" * 30, None)  # 34 bytes packed each
    present = [i for i in range(5) if await cache.get("t", "m@1", f"d{i}") is not None]
    assert present == [3, 4]
    assert int(await cache.redis.get(f"{cache.keys.prefix}:cache:bytes")) == 68


async def test_an_unreachable_redis_degrades_the_cache_not_the_call(keys, tmp_path):
    from tests.unit.server.operations.kind import unreachable_redis

    client = unreachable_redis(tmp_path)
    cache = SamplingCache(client, keys, ttl_s=60, max_bytes=100)
    try:
        assert await cache.get("t", "m@1", "d") is None and cache.degraded
        await cache.put("t", "m@1", "d", b"x", None)
    finally:
        await client.aclose()
