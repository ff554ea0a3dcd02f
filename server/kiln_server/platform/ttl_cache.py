"""A small in-process map whose entries expire a fixed time after they were stored.

The gateway keeps what every call would otherwise read from Redis (who an API key is, where a
model is served, a tenant's quotas) for a second or two. Another gateway's change then reaches
this one within `ttl_s` at most; a change made through this gateway drops the entry at once.

A lookup that raced an invalidation must not put back what the invalidation removed: callers
take `epoch` before reading Redis and pass it to `put`, which ignores the value when any
invalidation happened in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, ttl_s: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self.epoch = 0  # bumped by every invalidation
        self._entries: dict[K, tuple[float, V]] = {}  # key -> (expires at, value), oldest first

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.clock() >= entry[0]:
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: K, value: V, epoch: int | None = None) -> None:
        """Stores `value`; ignored when disabled, or when `epoch` (taken before the value was
        read) is older than the last invalidation."""
        if not self.enabled or (epoch is not None and epoch != self.epoch):
            return
        self._entries.pop(key, None)  # re-inserted last: insertion order is expiry order
        self._entries[key] = (self.clock() + self.ttl_s, value)
        while len(self._entries) > self.max_entries:
            del self._entries[next(iter(self._entries))]

    def drop(self, key: K) -> None:
        self.epoch += 1
        self._entries.pop(key, None)

    def drop_where(self, match: Callable[[K, V], bool]) -> None:
        self.epoch += 1
        for key in [k for k, (_, v) in self._entries.items() if match(k, v)]:
            del self._entries[key]

    def clear(self) -> None:
        self.epoch += 1
        self._entries.clear()
