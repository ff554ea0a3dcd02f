"""Where each model is deployed, per tenant: a small hash per model (target, replicas, state, app)."""

from __future__ import annotations

import redis.asyncio as aioredis

from kiln_server.platform.keys import Keys
from kiln_server.platform.repository import decode_hash


class DeploymentStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys

    async def get(self, tenant: str, model_id: str) -> dict[str, str] | None:
        raw = await self.redis.hgetall(self.keys.deployment(tenant, model_id))
        return decode_hash(raw) if raw else None

    async def put(self, tenant: str, model_id: str, fields: dict) -> None:
        key = self.keys.deployment(tenant, model_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={k: str(v) for k, v in fields.items()})
            await pipe.execute()

    async def set_state(self, tenant: str, model_id: str, state: str, error: str = "") -> None:
        await self.redis.hset(self.keys.deployment(tenant, model_id), mapping={"state": state, "error": error})

    async def delete(self, tenant: str, model_id: str) -> None:
        await self.redis.delete(self.keys.deployment(tenant, model_id))
