"""Which jobs a tenant may create, and which queued job runs next.

- CreateJob: a job asking for more GPUs per worker than any node of the cluster has can never
  run: FAILED_PRECONDITION at once, instead of a job QUEUED (or RUNNING, waiting on Ray) forever.
  A job past the tenant's queued-jobs or GPU quota is RESOURCE_EXHAUSTED, naming the quota.
- Dispatch (fair share): of the oldest queued jobs, the next to run is the one whose tenant runs
  the fewest jobs now, skipping tenants at their running-jobs quota; ties go to the oldest. One
  tenant's 40 queued jobs then delay another tenant's one job by at most one job's start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator

from redis.exceptions import LockError

from kiln_server.jobs.record import JobRecord
from kiln_server.jobs.spec import JobResources
from kiln_server.jobs.store import JobStore
from kiln_server.operations.record import State
from kiln_server.platform.errors import FailedPrecondition, ResourceExhausted, Unavailable
from kiln_server.tenants.quotas import QuotaStore

log = logging.getLogger("kiln.admission")

WAITING = (State.QUEUED, State.RETRYING)
# Dispatch looks this far into the queue for a fair pick: enough to find another tenant's job
# behind one tenant's burst, bounded so a long queue costs one small LRANGE per dispatch.
SCAN_DEPTH = 256


class ClusterCapacity:
    """The most GPUs one alive Ray node has (what one worker can get), cached briefly."""

    TTL_S = 15.0

    def __init__(self) -> None:
        self._cached: tuple[float, int] | None = None

    async def max_node_gpus(self) -> int | None:
        """None when Ray is not connected (nothing to judge by: the job is accepted)."""
        import ray

        if not ray.is_initialized():
            return None
        if self._cached is None or time.monotonic() - self._cached[0] > self.TTL_S:
            nodes = await asyncio.to_thread(ray.nodes)
            most = max((int(n.get("Resources", {}).get("GPU", 0)) for n in nodes if n.get("Alive")), default=0)
            self._cached = (time.monotonic(), most)
        return self._cached[1]


async def tenant_jobs(jobs: JobStore, tenant: str) -> list[JobRecord]:
    """The tenant's active (not final) jobs."""
    out = []
    for t, rid in await jobs.active():
        if t == tenant and (record := await jobs.get(t, rid)) is not None and not record.final:
            out.append(record)
    return out


class JobAdmission:
    LOCK_TIMEOUT_S = 10.0

    def __init__(self, jobs: JobStore, quotas: QuotaStore, capacity: ClusterCapacity):
        self.jobs = jobs
        self.quotas = quotas
        self.capacity = capacity

    @contextlib.asynccontextmanager
    async def serialized(self, tenant: str) -> AsyncIterator[None]:
        """One create at a time per tenant (over all gateways): two concurrent CreateJob calls
        must not both see room for one more job."""
        lock = self.jobs.redis.lock(
            f"{self.jobs.keys.tenant_quotas(tenant)}:lock", timeout=self.LOCK_TIMEOUT_S, blocking_timeout=5.0
        )
        if not await lock.acquire():
            raise Unavailable("too many concurrent CreateJob calls for this tenant; retry", retry_after_s=1.0)
        try:
            yield
        finally:
            with contextlib.suppress(LockError):
                await lock.release()

    async def check(self, tenant: str, resources: JobResources) -> None:
        most = await self.capacity.max_node_gpus()
        if resources.gpus and most is not None and resources.gpus > most:
            raise FailedPrecondition(
                f"job.resources.gpus: {resources.gpus} GPUs per worker, but no node of this cluster has more "
                f"than {most}",
                subject="job.resources.gpus",
                violation_type="CAPACITY",
            )
        quotas = await self.quotas.get(tenant)
        active = await tenant_jobs(self.jobs, tenant)
        waiting = sum(1 for r in active if r.state in WAITING)
        if waiting + 1 > quotas.queued_jobs:
            raise ResourceExhausted(
                f"quota queued_jobs of tenant {tenant!r} is {quotas.queued_jobs} and {waiting} jobs wait; "
                "retry when some have started or cancel some",
                subject="quotas.queued_jobs",
                retry_after_s=10.0,
            )
        gpus = resources.gpus * resources.workers
        held = sum(r.payload.resources.gpus * r.payload.resources.workers for r in active)
        if gpus and held + gpus > quotas.gpus:
            retry = 30.0 if gpus <= quotas.gpus else None  # more than the whole quota never fits
            raise ResourceExhausted(
                f"quota gpus of tenant {tenant!r} is {quotas.gpus}; active jobs hold {held}, this job needs {gpus}",
                subject="quotas.gpus",
                retry_after_s=retry,
            )


class FairQueue:
    """Picks the next queued job fairly across tenants (see the module docstring)."""

    def __init__(self, jobs: JobStore, quotas: QuotaStore):
        self.jobs = jobs
        self.quotas = quotas

    async def running_by_tenant(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        members = await self.jobs.active()
        if not members:
            return counts
        async with self.jobs.redis.pipeline(transaction=False) as pipe:
            for t, rid in members:
                pipe.hget(self.jobs.record_key(t, rid), "state")
            states = await pipe.execute()
        for (t, _), state in zip(members, states, strict=True):
            if state is not None and state.decode() == State.RUNNING:
                counts[t] += 1
        return counts

    async def pop(self) -> tuple[str, str] | None:
        """Takes the chosen entry off the queue; None when the queue is empty or every waiting
        tenant is at its running-jobs quota."""
        queue = self.jobs.operation.queue_key(self.jobs.keys)
        # LPUSH adds on the left, so the oldest entries are at the right end.
        entries = [e.decode() for e in reversed(await self.jobs.redis.lrange(queue, -SCAN_DEPTH, -1))]
        if not entries:
            return None
        running = await self.running_by_tenant()
        limits: dict[str, int] = {}
        best: tuple[int, int, str] | None = None
        for age, entry in enumerate(entries):
            tenant = entry.split("/", 1)[0]
            if tenant not in limits:
                limits[tenant] = (await self.quotas.get(tenant)).running_jobs
            if running[tenant] >= limits[tenant]:
                continue
            if best is None or (running[tenant], age) < best[:2]:
                best = (running[tenant], age, entry)
        if best is None:
            return None
        # LREM from the right: the oldest copy; 0 means another gateway took it first.
        if not await self.jobs.redis.lrem(queue, -1, best[2]):
            return None
        tenant, rid = best[2].split("/", 1)
        return tenant, rid
