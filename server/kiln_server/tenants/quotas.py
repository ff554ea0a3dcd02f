"""Per-tenant quotas: the deployment's defaults (KilnConfig.quota_*) and an admin's overrides.

Overrides live in one small hash per tenant ({prefix}:tenant:{t}:quotas, field -> value); a field
absent from it reads as the deployment default, so changing a default reaches every tenant that
was not given its own value.

Sampling reads the quotas on every call: `cache` (shared by the stores of one gateway) keeps
them for a second or two; `set` through any store sharing it applies at once, one made through
another gateway within the cache's TTL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from kiln_server.platform.errors import FieldViolation, InvalidArgument
from kiln_server.platform.keys import Keys
from kiln_server.platform.ttl_cache import TtlCache

# Upper bounds on what an admin may set: far above any sane quota, low enough that sums of
# them stay exact integers and a typo (an extra few zeros) is caught rather than stored.
_MAX_COUNT = 1_000_000
_MAX_RATE = 1e9
_MAX_BYTES = 2**50  # 1 PiB: storage quotas are byte counts


@dataclass(frozen=True, kw_only=True)
class Quotas:
    """What one tenant may hold or use at once. 0 allows none of it."""

    queued_jobs: int  # jobs waiting (QUEUED or RETRYING); CreateJob past it: RESOURCE_EXHAUSTED
    running_jobs: int  # jobs the scheduler runs at once for the tenant; more wait in the queue
    gpus: int  # GPUs reserved by the tenant's active jobs together (gpus x workers each)
    deployments: int  # models deployed at once
    replicas: int  # serving replicas over all deployments (the autoscaling maximum where set)
    sampling_requests_per_s: float  # token bucket refill; the burst is BURST_S seconds of it
    sampling_tokens_per_s: float  # charged n x max_tokens per call, before sampling
    # Bytes stored in datasets, models and job artifacts together (default: KilnConfig's).
    storage_bytes: int = 100 * 1024**3

    # A bucket holds this many seconds of its rate: a client idle for a while may burst.
    BURST_S = 2.0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def check(cls, values: dict[str, float], path: str = "quotas") -> None:
        """INVALID_ARGUMENT naming every value out of range (negative, non-finite, too large)."""
        v = []
        for name, value in values.items():
            kind = _kind(name)
            top = _MAX_RATE if kind is float else _MAX_BYTES if name.endswith("_bytes") else _MAX_COUNT
            if not (0 <= value <= top):  # also false for NaN
                v.append(FieldViolation(f"{path}.{name}", f"must be between 0 and {top:g}, got {value!r}"))
        if v:
            raise InvalidArgument(v)


def _kind(name: str) -> type:
    hints = {f.name: f.type for f in dataclasses.fields(Quotas)}
    return float if hints[name] in (float, "float") else int


class QuotaStore:
    """Reads a tenant's effective quotas; writes and clears an admin's overrides."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, defaults: Quotas, cache: TtlCache | None = None):
        self.redis = redis
        self.keys = keys
        self.defaults = defaults
        self.cache: TtlCache[str, Quotas] = cache if cache is not None else TtlCache(0.0)

    def _key(self, tenant: str) -> str:
        return self.keys.tenant_quotas(tenant)

    async def overrides(self, tenant: str) -> dict[str, float]:
        raw = await self.redis.hgetall(self._key(tenant))
        out: dict[str, float] = {}
        for k, v in raw.items():
            name = k.decode()
            if name in Quotas.names():
                out[name] = _kind(name)(float(v))
        return out

    async def get(self, tenant: str) -> Quotas:
        known = self.cache.get(tenant)
        if known is not None:
            return known
        epoch = self.cache.epoch
        overrides: dict[str, Any] = await self.overrides(tenant)
        quotas = dataclasses.replace(self.defaults, **overrides)
        self.cache.put(tenant, quotas, epoch)
        return quotas

    async def set(self, tenant: str, values: dict[str, float], clear: tuple[str, ...] = ()) -> Quotas:
        """Sets the overrides in `values` and drops those named in `clear` (back to the default)."""
        Quotas.check(values)
        async with self.redis.pipeline(transaction=True) as pipe:
            if values:
                pipe.hset(self._key(tenant), mapping={k: repr(_kind(k)(v)) for k, v in values.items()})
            if clear:
                pipe.hdel(self._key(tenant), *clear)
            await pipe.execute()
        self.cache.drop(tenant)
        return await self.get(tenant)
