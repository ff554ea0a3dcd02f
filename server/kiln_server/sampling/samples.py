"""Generated samples, kept in Redis for a while so feedback can refer to them by id.

A sample is a hash under Keys.sample(tenant, id) with a TTL (KILN_SAMPLE_TTL_S). Because the
tenant is part of the key, a sample id from another tenant simply does not exist here. The
gateway stores samples with `put_many`; a PPO worker publishes its rollouts for rating with
`stage_put` on its own sync pipeline.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys
from kiln_server.sampling.record import SampleRecord

DEFAULT_SAMPLE_TTL_S = 30 * 24 * 3600


class SampleStore:
    codec = HashCodec(SampleRecord)

    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int = DEFAULT_SAMPLE_TTL_S):
        self.redis = redis
        self.keys = keys
        self.ttl_s = ttl_s

    @classmethod
    def stage_put(cls, pipe: Any, keys: Keys, tenant: str, sample: SampleRecord, ttl_s: int) -> None:
        """Queues the writes of one sample on `pipe` (a sync or async pipeline)."""
        key = keys.sample(tenant, sample.sample_id)
        pipe.hset(key, mapping=cls.codec.to_hash(sample))
        pipe.expire(key, ttl_s)

    async def put_many(self, tenant: str, samples: list[SampleRecord]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for s in samples:
                self.stage_put(pipe, self.keys, tenant, s, self.ttl_s)
            await pipe.execute()

    async def get(self, tenant: str, sample_id: str) -> SampleRecord | None:
        raw = await self.redis.hgetall(self.keys.sample(tenant, sample_id))
        return self.codec.from_hash(raw) if raw else None
