"""Deleting a tenant removes all of its data, in an order that lets nothing new slip in:

1. its keys and certificate mappings go first, so no new call acts for it;
2. its active operations (jobs, evaluations, sweeps) are cancelled through their fenced state
   transitions (their workers see the cancel and stop) and taken off the queues;
3. its deployments are undeployed (Ray Serve applications, Triton models);
4. every Redis key under its prefix ({prefix}:t:{tenant}:...) is removed, and its rate buckets
   with them;
5. its stored artifacts ({kind}/{tenant}/... in the artifact store) are deleted.
Each step tolerates what an earlier, interrupted delete already removed, so a retry finishes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import posixpath
from dataclasses import dataclass

from kiln_server.operations.record import ACTIVE_STATES, State
from kiln_server.operations.store import OperationStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import KilnError, NotFound
from kiln_server.sampling.router import Router
from kiln_server.tenants.store import TenantStore

log = logging.getLogger("kiln.tenants")


@dataclass
class PurgeResult:
    api_keys_revoked: int = 0
    operations_cancelled: int = 0
    deployments_removed: int = 0
    records_removed: int = 0


class TenantPurge:
    def __init__(
        self,
        tenants: TenantStore,
        operations: list[OperationStore],
        router: Router | None,
        artifacts: ArtifactStore,
    ):
        self.tenants = tenants
        self.operations = operations
        self.router = router
        self.artifacts = artifacts

    async def delete(self, tenant: str) -> PurgeResult:
        if not await self.tenants.exists(tenant):
            raise NotFound("tenant", f"tenants/{tenant}")
        out = PurgeResult()
        out.api_keys_revoked = await self.tenants.delete_tenant_records(tenant)
        for store in self.operations:
            out.operations_cancelled += await self._cancel(store, tenant)
        out.deployments_removed = await self._undeploy(tenant)
        out.records_removed = await self._delete_keys(tenant)
        await asyncio.to_thread(self._delete_artifacts, tenant)
        log.info("tenant deleted", extra={"tenant": tenant, **vars(out)})
        return out

    async def _cancel(self, store: OperationStore, tenant: str) -> int:
        cancelled = 0
        for t, rid in await store.active():
            if t != tenant:
                continue
            ok, _, _ = await store.transition(t, rid, ACTIVE_STATES, State.CANCELLED, reason="tenant deleted")
            cancelled += int(ok)
            await store.forget_active(t, rid)
        queue = store.operation.queue_key(store.keys)
        for entry in await store.redis.lrange(queue, 0, -1):
            if entry.decode().startswith(f"{tenant}/"):
                await store.redis.lrem(queue, 0, entry)
        return cancelled

    async def _undeploy(self, tenant: str) -> int:
        if self.router is None:
            return 0
        redis, keys = self.tenants.redis, self.tenants.keys
        pattern = keys.deployment(tenant, "*")
        removed = 0
        async for key in redis.scan_iter(match=pattern, count=200):
            model_id = key.decode()[len(pattern) - 1 :]
            try:
                dep = await self.router.deployments.get(tenant, model_id)
                if dep is not None:
                    await self._stop_app(dep.target, dep.app)
                removed += 1
            except Exception:  # noqa: BLE001 - one stuck deployment must not keep the tenant's data
                log.exception("undeploy failed while deleting tenant", extra={"tenant": tenant, "model": model_id})
        self.router.forget(tenant)
        return removed

    async def _stop_app(self, target: str, app: str) -> None:
        assert self.router is not None
        if target == "TRITON":
            if self.router.triton is not None:
                from kiln_server.sampling.triton_repo import remove_entry

                with contextlib.suppress(KilnError):
                    await self.router.triton.unload(app)
                await asyncio.to_thread(remove_entry, self.router.triton.model_repository, app)
        else:
            await self.router.serve.undeploy(app)

    async def _delete_keys(self, tenant: str) -> int:
        redis, keys = self.tenants.redis, self.tenants.keys
        removed = 0
        batch: list[bytes] = []
        async for key in redis.scan_iter(match=f"{keys.prefix}:t:{tenant}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                removed += await redis.unlink(*batch)
                batch.clear()
        if batch:
            removed += await redis.unlink(*batch)
        return removed

    def _delete_artifacts(self, tenant: str) -> None:
        fs, base = self.artifacts.fs, self.artifacts._base
        if not fs.exists(base):
            return
        for kind in fs.ls(base, detail=False):
            rel = posixpath.join(posixpath.basename(str(kind).rstrip("/")), tenant)
            self.artifacts.delete(rel)
