"""Which gateway drives which sweep: dispatch from the sweep queue, adoption after a restart.

A sweep's driver (driver.py) runs in the gateway, not on Ray: it only samples values, creates
jobs and reads their events; the trials themselves run on Ray as ordinary jobs. The lifecycle
is the shared one (operations/): CreateSweep queues the sweep; a gateway pops it and claims it
(QUEUED -> RUNNING, attempt + 1, owner = this gateway). The reconcile, at start and every few
seconds, requeues QUEUED sweeps missing from the queue and adopts RUNNING sweeps whose owner's
heartbeat (written by that gateway's job scheduler) is gone: RUNNING -> RUNNING on the next
attempt, which fences the old driver, and the new driver reopens the same Optuna study in Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine

from redis.exceptions import RedisError

from kiln_server.operations.record import State
from kiln_server.platform.cancel import raise_if_cancelled, stop_tasks
from kiln_server.sweeps.driver import SweepDriver
from kiln_server.sweeps.store import SweepStore
from kiln_server.sweeps.trials import TrialJobs

log = logging.getLogger("kiln.sweeps")

RECONCILE_S = 5


class SweepManager:
    def __init__(self, store: SweepStore, trial_jobs: TrialJobs, redis_url: str, instance: str):
        self.store = store
        self.trial_jobs = trial_jobs
        self.redis_url = redis_url
        self.instance = instance
        self._drivers: dict[str, asyncio.Task] = {}  # "tenant/id" -> its driver
        self._tasks: set[asyncio.Task] = set()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        await self.reconcile()
        for coro in (self._dispatch_loop(), self._reconcile_loop()):
            self._spawn(coro)

    async def stop(self) -> None:
        """Stops driving; a RUNNING sweep is adopted by the next gateway, its jobs run on."""
        self._stopping.set()
        await stop_tasks([*self._tasks, *self._drivers.values()])

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def driving(self, tenant: str, rid: str) -> bool:
        return f"{tenant}/{rid}" in self._drivers

    async def _dispatch_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                item = await self.store.pop_queued(timeout_s=1)
                if item is not None:
                    await self._claim(*item)
            except (RedisError, OSError) as exc:
                raise_if_cancelled()
                log.warning("sweep dispatch paused: state store unreachable", extra={"error": str(exc)})
                await asyncio.sleep(1.0)

    async def _reconcile_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(RECONCILE_S)
            try:
                await self.reconcile()
            except (RedisError, OSError) as exc:
                raise_if_cancelled()
                log.warning("sweep reconcile paused", extra={"error": str(exc)})

    async def _claim(self, tenant: str, rid: str) -> None:
        ok, _, attempt = await self.store.transition(
            tenant, rid, (State.QUEUED,), State.RUNNING, reason="started", bump_attempt=True,
            fields={"owner": self.instance},
        )  # fmt: skip
        if ok:  # else cancelled while queued, or a duplicate queue entry
            await self._drive(tenant, rid)

    async def reconcile(self) -> None:
        queued = await self.store.queued()
        for tenant, rid in await self.store.active():
            record = await self.store.get(tenant, rid)
            if record is None or record.final:
                await self.store.forget_active(tenant, rid)
            elif record.state == State.QUEUED and f"{tenant}/{rid}" not in queued:
                await self.store.enqueue(tenant, rid)
            elif record.state == State.RUNNING and not self.driving(tenant, rid):
                if record.owner == self.instance:  # its driver stopped on an outage: drive it again
                    await self._drive(tenant, rid)
                    continue
                if await self._owner_alive(record.owner):
                    continue
                ok, _, _ = await self.store.transition(
                    tenant, rid, (State.RUNNING,), State.RUNNING, attempt=record.attempt, bump_attempt=True,
                    reason=f"resumed: gateway {record.owner or '?'} is gone", fields={"owner": self.instance},
                )  # fmt: skip
                if ok:
                    log.info("sweep adopted", extra={"sweep": rid, "tenant": tenant, "from": record.owner})
                    await self._drive(tenant, rid)

    async def _owner_alive(self, owner: str) -> bool:
        return bool(owner) and bool(await self.store.redis.exists(self.store.keys.gateway(owner)))

    async def _drive(self, tenant: str, rid: str) -> None:
        record = await self.store.get(tenant, rid)
        if record is None:
            return
        key = f"{tenant}/{rid}"
        task = asyncio.create_task(
            self._run(record.tenant, record.id, SweepDriver(self.store, self.trial_jobs, self.redis_url, record))
        )
        self._drivers[key] = task
        task.add_done_callback(lambda _t: self._drivers.pop(key, None))

    async def _run(self, tenant: str, rid: str, driver: SweepDriver) -> None:
        try:
            await driver.run()
        except Exception as exc:
            raise_if_cancelled()
            if isinstance(exc, RedisError | OSError) or self._stopping.is_set():
                # The next reconcile (here or in another gateway) picks the sweep up again.
                log.warning("sweep driver interrupted", extra={"sweep": rid, "error": str(exc)})
                return
            log.exception("sweep driver failed", extra={"sweep": rid})
            with contextlib.suppress(RedisError, OSError):
                await self.store.transition(
                    tenant, rid, (State.RUNNING,), State.FAILED, attempt=driver.attempt,
                    reason=f"sweep driver failed: {type(exc).__name__}: {exc}",
                    fields={"error": f"sweep driver failed: {exc}", "trials": driver.trials},
                )  # fmt: skip
