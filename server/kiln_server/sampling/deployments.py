"""Where each model is deployed, per tenant: a small hash per model (target, replicas, state, app)."""

from __future__ import annotations

import redis.asyncio as aioredis

from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys
from kiln_server.sampling.record import DeploymentRecord

_UPDATE_IF_PRESENT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  return 1
end
return 0
"""


class DeploymentStore:
    codec = HashCodec(DeploymentRecord)

    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys

    async def get(self, tenant: str, model_id: str) -> DeploymentRecord | None:
        raw = await self.redis.hgetall(self.keys.deployment(tenant, model_id))
        return self.codec.from_hash(raw) if raw else None

    async def put(self, tenant: str, model_id: str, deployment: DeploymentRecord) -> None:
        key = self.keys.deployment(tenant, model_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=self.codec.to_hash(deployment))
            await pipe.execute()

    async def set_state(self, tenant: str, model_id: str, state: str, error: str = "") -> None:
        fields = self.codec.fields(state=state, error=error)
        await self.redis.hset(self.keys.deployment(tenant, model_id), mapping=fields)

    async def update_if_present(self, tenant: str, model_id: str, **fields: str) -> bool:
        """Sets fields only while the deployment exists: an UndeployModel that removed it (from any
        gateway) must not be undone by a deploy still finishing. False when it was gone."""
        mapping = self.codec.fields(**fields)
        args = [x for kv in mapping.items() for x in kv]
        done = await self.redis.eval(_UPDATE_IF_PRESENT, 1, self.keys.deployment(tenant, model_id), *args)
        return bool(done)

    async def delete(self, tenant: str, model_id: str) -> None:
        await self.redis.delete(self.keys.deployment(tenant, model_id))
