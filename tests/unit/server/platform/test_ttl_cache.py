"""The in-process TTL cache: expiry, the size bound, invalidation and the lookup race guard."""

from __future__ import annotations

from kiln_server.platform.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_the_ttl():
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(1.5, clock=clock)
    cache.put("a", 1)
    clock.now += 1.4
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None and len(cache) == 0


def test_a_disabled_cache_keeps_nothing():
    cache: TtlCache[str, int] = TtlCache(0.0)
    cache.put("a", 1)
    assert not cache.enabled and cache.get("a") is None


def test_the_oldest_entries_go_past_the_bound():
    cache: TtlCache[int, int] = TtlCache(10.0, max_entries=3, clock=Clock())
    for i in range(5):
        cache.put(i, i)
    assert [cache.get(i) for i in range(5)] == [None, None, 2, 3, 4]
    cache.put(2, 20)  # a rewrite makes the entry the newest
    cache.put(5, 5)
    assert cache.get(3) is None and cache.get(2) == 20


def test_invalidation_drops_entries_and_stops_a_racing_lookup_from_putting_them_back():
    cache: TtlCache[tuple[str, str], str] = TtlCache(10.0, clock=Clock())
    cache.put(("t1", "m"), "r1")
    cache.put(("t2", "m"), "r2")
    epoch = cache.epoch  # a lookup starts reading Redis...
    cache.drop_where(lambda key, _: key[0] == "t1")  # ...an undeploy lands meanwhile...
    cache.put(("t1", "m"), "stale", epoch)  # ...and its answer is not kept
    assert cache.get(("t1", "m")) is None and cache.get(("t2", "m")) == "r2"
    cache.put(("t1", "m"), "fresh", cache.epoch)
    assert cache.get(("t1", "m")) == "fresh"
    cache.drop(("t1", "m"))
    assert cache.get(("t1", "m")) is None
    cache.clear()
    assert len(cache) == 0
