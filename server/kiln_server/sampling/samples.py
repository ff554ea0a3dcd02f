"""Generated samples, kept in Redis for a while so feedback can refer to them by id.

A sample record is a hash under Keys.sample(tenant, id) with a TTL (KILN_SAMPLE_TTL_S). Because
the tenant is part of the key, a sample id from another tenant simply does not exist here.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

import redis.asyncio as aioredis

from kiln_server.platform.keys import Keys
from kiln_server.platform.repository import decode_hash

DEFAULT_SAMPLE_TTL_S = 30 * 24 * 3600


@dataclass
class SampleRecord:
    sample_id: str  # bare id, without the "samples/" prefix
    prompt: str
    text: str
    model: str  # "models/{id}" or a built-in base model name
    model_version: str
    params: dict = field(default_factory=dict)  # the canonical sampling params
    index: int = 0
    finish_reason: str = "STOP"
    create_time: float = field(default_factory=time.time)

    def to_fields(self) -> dict[str, str]:
        out = {k: (json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in asdict(self).items()}
        return out

    @classmethod
    def from_fields(cls, raw: dict[str, str]) -> SampleRecord:
        return cls(
            sample_id=raw["sample_id"],
            prompt=raw["prompt"],
            text=raw["text"],
            model=raw["model"],
            model_version=raw["model_version"],
            params=json.loads(raw.get("params") or "{}"),
            index=int(raw.get("index", 0)),
            finish_reason=raw.get("finish_reason", "STOP"),
            create_time=float(raw.get("create_time", 0.0)),
        )


class SampleStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int = DEFAULT_SAMPLE_TTL_S):
        self.redis = redis
        self.keys = keys
        self.ttl_s = ttl_s

    async def put_many(self, tenant: str, samples: list[SampleRecord]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for s in samples:
                key = self.keys.sample(tenant, s.sample_id)
                pipe.hset(key, mapping=s.to_fields())
                pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def get(self, tenant: str, sample_id: str) -> SampleRecord | None:
        raw = await self.redis.hgetall(self.keys.sample(tenant, sample_id))
        return SampleRecord.from_fields(decode_hash(raw)) if raw else None
