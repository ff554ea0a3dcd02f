"""The gateway side of the lifecycle: a Redis queue drained into attempts on Ray, each watched
until it ends, plus the reconcile that recovers what a dead gateway left behind.

Redis is the source of truth; this loop only moves operations along and notices deaths:
- dispatch: pop "tenant/id" from the kind's queue, settle its launch (and claim a warm worker
  for it), claim it (QUEUED -> RUNNING, attempt + 1, with the warm worker's name, atomic, so two
  gateways never run the same attempt), start the attempt on that worker or a detached actor;
- monitor: await the attempt; if its actor dies (or returns without a final state), retry while
  attempts remain, else FAILED; kill the actor of an operation that ended (e.g. was cancelled)
  once `end_grace_s` has passed without it stopping by itself;
- reconcile (at start and periodically): requeue QUEUED (and RETRYING) operations missing from
  the queue, forget final ones, and adopt RUNNING ones whose gateway is gone (keep watching a
  live actor, retry a dead one).
Gateways prove they are alive with a heartbeat key; one scheduler per gateway writes it (the job
scheduler) and every kind's scheduler shares its `instance` id.

A kind subclasses `QueueScheduler` and provides `launch` (the runner and its resources) and its
retry policy (`attempts_allowed`, `retry_through`, `requeue_reason`); see operations/__init__.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from redis.exceptions import RedisError

from kiln_server.operations.pool import Warm, WarmPool, attempt_key, drop_pool, pool_of
from kiln_server.operations.record import OperationRecord, State
from kiln_server.operations.store import OperationStore
from kiln_server.operations.worker import AttemptHandle
from kiln_server.platform.cancel import raise_if_cancelled, stop_tasks
from kiln_server.platform.config import KilnConfig

log = logging.getLogger("kiln.scheduler")

R = TypeVar("R", bound=OperationRecord)

RAY_NAMESPACE = "kiln"
_RECONCILE_S = 5
_POLL_S = 0.5
_PING_S = 2  # an adopted attempt (no result ref to await) is pinged this often
_HEARTBEAT_S = 3
_HEARTBEAT_TTL_S = 10


@dataclass
class Launch:
    """How to start one attempt: the runner class (wrapped with ray.remote), its constructor
    arguments, and the resources its actor reserves. `reuse`: the attempt may run on a warm
    worker of the same resources (operations/pool.py) instead of an actor of its own."""

    runner: type
    args: tuple
    num_cpus: float = 1
    num_gpus: float = 0
    log_extra: dict[str, Any] = field(default_factory=dict)
    reuse: bool = False
    # The resources the attempt will hold in all, where its runner starts actors of its own (a
    # coordinator): idle warm workers are killed to make that room. Default: the actor's own.
    room: tuple[float, float] | None = None


class QueueScheduler(ABC, Generic[R]):
    kind: ClassVar[str] = "operation"  # for log lines: "job", "evaluation"
    actor_kind: ClassVar[str] = ""  # in Ray actor names ("kiln-job-j-1-2"); default: kind
    # Once the operation is final, how long its still-running worker gets to stop by itself.
    end_grace_s: float = 0.0
    # A state shown between the lost attempt and QUEUED again (jobs: RETRYING), or None.
    retry_through: ClassVar[State | None] = None
    requeue_reason: ClassVar[str] = "rerunning"

    def __init__(self, config: KilnConfig, store: OperationStore[R], redis_url: str, instance: str):
        self.config = config
        self.store = store
        self.redis_url = redis_url
        self.instance = instance
        self._tasks: set[asyncio.Task] = set()
        self._running: dict[str, asyncio.Task] = {}  # "tenant/id" -> the attempt's monitor task
        self._stopping = asyncio.Event()
        self._beats = False
        self.pool: WarmPool = pool_of(instance, RAY_NAMESPACE)

    # -- what a kind provides --------------------------------------------------------------------
    @abstractmethod
    async def launch(self, record: R, handle: AttemptHandle) -> Launch:
        """The runner of one attempt of `record`."""

    @abstractmethod
    def attempts_allowed(self, record: R) -> int:
        """How many attempts the operation may use in all (a lost worker is retried below this)."""

    async def next_queued(self) -> tuple[str, str] | None:
        """The next (tenant, id) to run, taken off the queue, or None after waiting a little.
        Default: the oldest entry (FIFO); a kind may pick fairly instead (jobs do)."""
        return await self.store.pop_queued(timeout_s=1)

    def attempt_started(self, record: R) -> None:
        """Hook: an attempt's actor was started."""

    def attempt_ended(self, record: R | None) -> None:
        """Hook: this gateway stopped watching an attempt (the record as it is now)."""

    def running_changed(self, count: int) -> None:
        """Hook: the number of attempts this gateway watches changed."""

    # -- lifetime --------------------------------------------------------------------------------
    async def start(self, *, heartbeat: bool = False) -> None:
        """Reconciles, then runs the loops. The gateway's first scheduler (connected to Ray) writes
        the heartbeat; the others share its `instance`."""
        if heartbeat:
            await self._heartbeat()
            self._beats = True
        await self.reconcile()
        loops = [self._dispatch_loop(), self._reconcile_loop()]
        if heartbeat:
            loops.append(self._heartbeat_loop())
        for coro in loops:
            self._spawn(coro)

    async def stop(self) -> None:
        """Stops dispatching; running attempts keep going and are adopted by the next gateway."""
        self._stopping.set()
        await stop_tasks(self._tasks)
        drop_pool(self.instance)  # idle warm workers; busy ones finish and are adopted
        if self._beats:
            # Redis may be gone already; the heartbeat key then simply expires.
            with contextlib.suppress(RedisError, OSError):
                await self.store.redis.delete(self.store.keys.gateway(self.instance))

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _track(self, tenant: str, rid: str, coro: Coroutine) -> None:
        key = f"{tenant}/{rid}"
        task = self._spawn(coro)
        self._running[key] = task
        self.running_changed(len(self._running))

        def done(_t: asyncio.Task) -> None:
            self._running.pop(key, None)
            self.running_changed(len(self._running))

        task.add_done_callback(done)

    # -- loops -----------------------------------------------------------------------------------
    async def _background(self, what: str, period_s: float, step: Any) -> None:
        """Runs `step` every `period_s` until stopped; a Redis outage pauses it, never ends it."""
        while not self._stopping.is_set():
            await asyncio.sleep(period_s)
            try:
                await step()
            except Exception as exc:
                raise_if_cancelled()
                if self._stopping.is_set():
                    return
                if isinstance(exc, RedisError | OSError):
                    log.warning("%s %s paused: state store unreachable", self.kind, what, extra={"error": str(exc)})
                else:
                    log.exception("%s %s failed", self.kind, what)

    def _reconcile_loop(self) -> Coroutine:
        return self._background("reconcile", _RECONCILE_S, self.reconcile)

    def _heartbeat_loop(self) -> Coroutine:
        return self._background("heartbeat", _HEARTBEAT_S, self._heartbeat)

    async def _heartbeat(self) -> None:
        await self.store.redis.set(self.store.keys.gateway(self.instance), str(time.time()), ex=_HEARTBEAT_TTL_S)

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
        item = await self.next_queued()
        if item is None:
            return
        tenant, rid = item
        if f"{tenant}/{rid}" not in self._running:  # else a duplicate queue entry
            # Started as a task: a launch that waits for a warm worker must not hold up the queue.
            self._track(tenant, rid, self._start_attempt(tenant, rid))

    # -- one attempt -----------------------------------------------------------------------------
    def actor_name(self, rid: str, attempt: int) -> str:
        return f"kiln-{self.actor_kind or self.kind}-{rid}-{attempt}"

    def _handle(self, tenant: str, rid: str, attempt: int) -> AttemptHandle:
        return AttemptHandle(
            tenant=tenant,
            id=rid,
            attempt=attempt,
            redis_url=self.redis_url,
            prefix=self.store.keys.prefix,
            artifact_root=self.config.artifact_root,
            scratch_dir=str(self.config.scratch_dir),
        )

    async def _start_attempt(self, tenant: str, rid: str) -> None:
        """Claims the operation (QUEUED -> RUNNING, attempt + 1) and runs the attempt.

        The launch and a warm worker are settled first, so the worker's name goes on the record
        in the same atomic step as RUNNING: a gateway that dies at any point after it leaves a
        record the next one can adopt (operations/pool.py), never a RUNNING operation with no
        worker to find, which would run again as a second attempt. One that dies before it
        leaves the operation QUEUED (and off the queue), which reconcile puts back."""
        record = await self.store.get(tenant, rid)
        if record is None or record.state != State.QUEUED:
            return  # cancelled while queued, or a duplicate queue entry
        attempt = record.attempt + 1
        warm: Warm | None = None
        launch: Launch | None = None
        error: Exception | None = None
        fields: dict[str, Any] = {"owner": self.instance}
        try:
            launch = await self.launch(record, self._handle(tenant, rid, attempt))
            if launch.reuse:
                warm = await self.pool.acquire((launch.num_cpus, launch.num_gpus))
                fields["worker_actor"] = f"{attempt}:{warm.name}"
        except Exception as exc:  # reported once the attempt is RUNNING, as a worker that did not start
            raise_if_cancelled()
            error = exc
        ok, _, _ = await self.store.transition(
            tenant,
            rid,
            (State.QUEUED,),
            State.RUNNING,
            reason="submitted to ray",
            attempt=record.attempt,  # the attempt read above: the claimed one is `attempt`
            bump_attempt=True,
            fields=fields,
        )
        if not ok:  # cancelled meanwhile, or another gateway claimed it
            if warm is not None:
                self.pool.unclaim(warm)
            return
        await self._run_attempt(record, attempt, launch, warm, error)

    async def _run_attempt(
        self, record: R, attempt: int, launch: Launch | None, warm: Warm | None, error: Exception | None
    ) -> None:
        import ray

        tenant, rid = record.tenant, record.id
        try:
            if error is not None or launch is None:
                raise error or RuntimeError("no launch")
            if warm is not None:
                actor: Any = warm.actor
                run_ref = actor.run.remote(attempt_key(tenant, rid, attempt), launch.runner, launch.args)
            else:
                await self.pool.make_room(*(launch.room or (launch.num_cpus, launch.num_gpus)))
                options = dict(
                    name=self.actor_name(rid, attempt),
                    namespace=RAY_NAMESPACE,
                    lifetime="detached",
                    max_restarts=0,
                    max_concurrency=2,  # run() and the gateway's pid() pings
                    num_cpus=launch.num_cpus,
                    num_gpus=launch.num_gpus,
                )
                try:
                    actor = ray.remote(launch.runner).options(**options).remote(*launch.args)
                except ValueError as exc:  # an actor of that name exists: another gateway raced us
                    log.warning("%s actor exists", self.kind, extra={self.kind: rid, "error": str(exc)})
                    return
                run_ref = actor.run.remote()
        except Exception as exc:
            # A worker that cannot even start must not leave the operation RUNNING forever.
            log.exception("%s attempt could not start", self.kind, extra={self.kind: rid})
            if warm is not None:
                self.pool.discard(warm)
            await self.worker_lost(tenant, rid, attempt, f"worker did not start: {type(exc).__name__}: {exc}")
            return
        self.attempt_started(record)
        extra = {self.kind: rid, "tenant": tenant, "attempt": attempt, "warm": warm is not None, **launch.log_extra}
        log.info("%s attempt started", self.kind, extra=extra)
        await self._monitor(tenant, rid, attempt, actor, run_ref, warm)

    async def _monitor(
        self, tenant: str, rid: str, attempt: int, actor: Any, run_ref: Any = None, warm: Warm | None = None
    ) -> None:
        """Waits for the attempt to end (`run_ref`), or, for an adopted actor, pings it until the
        operation ends; handles a dead worker and one that outlives its operation's end. A warm
        worker whose attempt returned goes back to the pool; any other actor is killed."""
        import ray
        from ray.exceptions import RayActorError

        ref = asyncio.ensure_future(run_ref) if run_ref is not None else None
        ended_at: float | None = None
        stopping = False
        # A warm worker runs the next attempt only after one that SUCCEEDED came back from it; after
        # a cancel or a failure its process goes, as a per-attempt actor's would (nothing the
        # stopped or broken attempt left behind can reach the next one).
        reusable = False
        last_ping = time.monotonic()
        try:
            while True:
                if ref is not None:
                    done, _ = await asyncio.wait({ref}, timeout=_POLL_S)
                    if done:
                        outcome = ref.result()  # raises RayActorError if the worker died
                        reusable = outcome == "SUCCEEDED"
                        log.info("%s attempt ended", self.kind, extra={self.kind: rid, "outcome": outcome})
                        break
                else:
                    await asyncio.sleep(_POLL_S)
                    if time.monotonic() - last_ping > _PING_S:
                        last_ping = time.monotonic()
                        await asyncio.wait_for(asyncio.ensure_future(actor.pid.remote()), timeout=30)
                try:
                    record = await self.store.get(tenant, rid)
                except (RedisError, OSError):
                    # Redis is down: the worker runs on; its state is read again once Redis is back.
                    continue
                if record is None or record.attempt != attempt:
                    break
                if record.final:
                    ended_at = ended_at or time.monotonic()
                    if ref is None or time.monotonic() - ended_at >= self.end_grace_s:
                        if ref is not None:
                            log.warning("killing worker of ended %s", self.kind, extra={self.kind: rid})
                        break
        except (TimeoutError, RayActorError) as exc:
            reason = f"worker died: {type(exc).__name__}"
            await self._despite_outage(lambda: self.worker_lost(tenant, rid, attempt, reason))
        except asyncio.CancelledError:
            stopping = True  # this gateway is stopping: the next one adopts the attempt
            raise
        finally:
            if ref is not None and not ref.done():
                ref.cancel()
            if not stopping:
                if warm is not None and reusable:
                    self.pool.release(warm)
                elif warm is not None:
                    self.pool.discard(warm)
                else:
                    with contextlib.suppress(Exception):  # already gone
                        ray.kill(actor, no_restart=True)
                await self._despite_outage(lambda: self._after_attempt(tenant, rid, attempt))

    async def _despite_outage(self, step: Any) -> None:
        """Runs `step` (the write that settles an attempt's outcome), retrying through a Redis
        outage: giving up would leave the operation RUNNING with no monitor. Ends only when the
        gateway stops (the next one adopts the operation)."""
        while True:
            try:
                return await step()
            except (RedisError, OSError) as exc:
                raise_if_cancelled()
                if self._stopping.is_set():
                    return
                log.warning("%s outcome waits for the state store", self.kind, extra={"error": str(exc)})
                await asyncio.sleep(1.0)

    async def _after_attempt(self, tenant: str, rid: str, attempt: int) -> None:
        record = await self.store.get(tenant, rid)
        if record is not None and record.state == State.RUNNING and record.attempt == attempt:
            # A worker that returned without a final state (it should not) must not leave the
            # operation RUNNING forever.
            await self.worker_lost(tenant, rid, attempt, "worker ended without a result")
            record = await self.store.get(tenant, rid)
        self.attempt_ended(record)

    async def worker_lost(self, tenant: str, rid: str, attempt: int, reason: str) -> None:
        """The attempt's worker is gone: queue the operation again while attempts remain, else FAILED."""
        record = await self.store.get(tenant, rid)
        if record is None:
            return
        allowed = self.attempts_allowed(record)
        if attempt < allowed:
            if self.retry_through is None:
                ok, _, _ = await self.store.transition(
                    tenant,
                    rid,
                    (State.RUNNING,),
                    State.QUEUED,
                    attempt=attempt,
                    reason=f"{reason}; {self.requeue_reason}",
                    enqueue=True,
                )
            else:
                ok, _, _ = await self.store.transition(
                    tenant, rid, (State.RUNNING,), self.retry_through, reason=reason, attempt=attempt
                )
                if ok:
                    await self.store.transition(
                        tenant, rid, (self.retry_through,), State.QUEUED, reason=self.requeue_reason, enqueue=True
                    )
            if ok:
                log.warning("%s retried", self.kind, extra={self.kind: rid, "attempt": attempt, "reason": reason})
        else:
            await self.store.transition(
                tenant,
                rid,
                (State.RUNNING,),
                State.FAILED,
                attempt=attempt,
                reason=f"{reason}; no retries left",
                fields={"error": f"{reason} on attempt {attempt} of {allowed}; no retries left"},
            )

    # -- reconcile -------------------------------------------------------------------------------
    async def reconcile(self) -> None:
        self.pool.reap()
        queued = await self.store.queued()
        for tenant, rid in await self.store.active():
            key = f"{tenant}/{rid}"
            if key in self._running:
                continue
            record = await self.store.get(tenant, rid)
            if record is None or record.final:
                await self.store.forget_active(tenant, rid)
            elif record.state == State.QUEUED and key not in queued:
                await self.store.enqueue(tenant, rid)
            elif record.state == State.RETRYING:
                await self.store.transition(
                    tenant, rid, (State.RETRYING,), State.QUEUED, reason="requeued", enqueue=True
                )
            elif record.state == State.RUNNING and not await self._monitored(record.owner):
                await self._adopt(tenant, rid, record.attempt, record.worker_actor)

    async def _monitored(self, owner: str) -> bool:
        """Whether the owner still watches its RUNNING operation. One this gateway owns but does not
        track lost its monitor (it died, e.g. in a Redis outage): it is adopted again."""
        if owner == self.instance:
            return False
        return bool(await self.store.redis.exists(self.store.keys.gateway(owner)))

    async def _adopt(self, tenant: str, rid: str, attempt: int, worker_actor: str = "") -> None:
        import ray

        await self.store.set_fields(tenant, rid, owner=self.instance)
        # A warm worker's name is on the record with the attempt it ran; an older attempt's
        # worker may be running something else by now.
        on, _, warm_name = worker_actor.partition(":")
        warm = bool(warm_name) and on == str(attempt)
        name = warm_name if warm else self.actor_name(rid, attempt)
        try:
            actor = ray.get_actor(name, namespace=RAY_NAMESPACE)
        except ValueError:
            log.warning("adopting %s whose worker is gone", self.kind, extra={self.kind: rid, "attempt": attempt})
            self._track(tenant, rid, self.worker_lost(tenant, rid, attempt, "worker lost with its gateway"))
            return
        log.info("adopted running %s", self.kind, extra={self.kind: rid, "attempt": attempt})
        self._track(tenant, rid, self._adopted(tenant, rid, attempt, actor, warm))

    async def _adopted(self, tenant: str, rid: str, attempt: int, actor: Any, warm: bool) -> None:
        """Watches an adopted attempt. A warm worker is handed the attempt again (WarmWorker.run
        runs it once: this returns the running one's outcome, or starts it where the old gateway
        died between recording the worker and handing it the attempt); a per-attempt actor is pinged."""
        run_ref = None
        if warm:
            record = await self.store.get(tenant, rid)
            if record is None or record.final or record.attempt != attempt:
                return
            try:
                launch = await self.launch(record, self._handle(tenant, rid, attempt))
                run_ref = actor.run.remote(attempt_key(tenant, rid, attempt), launch.runner, launch.args)
            except Exception as exc:  # e.g. its dataset is gone: the pings still tell a live worker
                raise_if_cancelled()
                log.warning("adopted %s not handed back", self.kind, extra={self.kind: rid, "error": repr(exc)})
        await self._monitor(tenant, rid, attempt, actor, run_ref)
