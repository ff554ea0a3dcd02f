"""The deployments and replicas quotas, checked by DeployModel before anything is started."""

from __future__ import annotations

from kiln_server.platform.errors import ResourceExhausted
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.tenants.quotas import QuotaStore


class DeploymentQuota:
    def __init__(self, deployments: DeploymentStore, quotas: QuotaStore):
        self.deployments = deployments
        self.quotas = quotas

    async def current(self, tenant: str) -> dict[str, int]:
        """model id -> replicas reserved (the autoscaling maximum where one is set)."""
        store = self.deployments
        pattern = store.keys.deployment(tenant, "*")
        prefix = pattern[:-1]
        out: dict[str, int] = {}
        async for key in store.redis.scan_iter(match=pattern, count=200):
            model_id = key.decode()[len(prefix) :]
            record = await store.get(tenant, model_id)
            if record is not None:
                out[model_id] = max(record.replicas, record.max_replicas)
        return out

    async def check(self, tenant: str, model_id: str, replicas: int) -> None:
        """RESOURCE_EXHAUSTED naming the quota a (re)deploy of `model_id` would pass."""
        quotas = await self.quotas.get(tenant)
        others = {m: r for m, r in (await self.current(tenant)).items() if m != model_id}
        if len(others) + 1 > quotas.deployments:
            raise ResourceExhausted(
                f"quota deployments of tenant {tenant!r} is {quotas.deployments} and {len(others)} models are "
                "deployed; undeploy one first",
                subject="quotas.deployments",
            )
        held = sum(others.values())
        if held + replicas > quotas.replicas:
            raise ResourceExhausted(
                f"quota replicas of tenant {tenant!r} is {quotas.replicas}; other deployments hold {held}, "
                f"this one asks for {replicas}",
                subject="quotas.replicas",
            )
