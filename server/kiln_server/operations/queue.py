"""What the job and evaluation schedulers share: a Redis queue drained into tracked attempts, a
periodic reconcile, and a stop that is bounded however the loops behave.

Subclasses provide the store (with `pop_queued` and `transition`), `reconcile()` and
`_run_attempt(tenant, id, attempt)`.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from kiln_server.platform.cancel import raise_if_cancelled, stop_tasks
from kiln_server.platform.config import KilnConfig

log = logging.getLogger("kiln.scheduler")

_RECONCILE_S = 5
_POLL_S = 0.5


class QueueScheduler:
    kind = "job"  # for log lines

    def __init__(self, config: KilnConfig, store, instance: str):
        self.config = config
        self.queue_store = store
        self.instance = instance
        self._tasks: set[asyncio.Task] = set()
        self._running: dict[str, asyncio.Task] = {}  # "tenant/id" -> the attempt's monitor task
        self._stopping = asyncio.Event()

    async def reconcile(self) -> None:
        raise NotImplementedError

    async def _run_attempt(self, tenant: str, rid: str, attempt: int) -> None:
        raise NotImplementedError

    def _running_changed(self) -> None:
        """Hook: the number of tracked attempts changed (the job scheduler exports it)."""

    async def stop(self) -> None:
        """Stops dispatching; running attempts keep going and are adopted by the next gateway."""
        self._stopping.set()
        await stop_tasks(self._tasks)

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _track(self, tenant: str, rid: str, coro) -> None:
        key = f"{tenant}/{rid}"
        task = self._spawn(coro)
        self._running[key] = task
        self._running_changed()

        def done(_t: asyncio.Task) -> None:
            self._running.pop(key, None)
            self._running_changed()

        task.add_done_callback(done)

    # -- loops ---------------------------------------------------------------------------------
    async def _reconcile_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(_RECONCILE_S)
            try:
                await self.reconcile()
            except Exception:
                raise_if_cancelled()
                if self._stopping.is_set():
                    return
                log.exception("%s reconcile failed", self.kind)

    async def _dispatch_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._dispatch_one()
            except (RedisError, OSError) as exc:
                raise_if_cancelled()
                if self._stopping.is_set():
                    return
                # A Redis outage must not end dispatching for the gateway's lifetime.
                log.warning("%s dispatch paused: state store unreachable", self.kind, extra={"error": str(exc)})
                await asyncio.sleep(1.0)

    async def _dispatch_one(self) -> None:
        if len(self._running) >= self.config.max_concurrent_jobs:
            await asyncio.sleep(_POLL_S)
            return
        item = await self.queue_store.pop_queued(timeout_s=1)
        if item is None:
            return
        tenant, rid = item
        ok, _, attempt = await self.queue_store.transition(
            tenant,
            rid,
            ("QUEUED",),
            "RUNNING",
            reason="submitted to ray",
            bump_attempt=True,
            fields={"owner": self.instance},
        )
        if ok:  # else cancelled while queued, or a duplicate queue entry
            self._track(tenant, rid, self._run_attempt(tenant, rid, attempt))
