"""Warm workers: long-lived Ray actors that run successive attempts of one resource shape.

A fresh actor per attempt costs a process start and the imports of torch and the trainers (several
seconds on a loaded CPU, more than a short job's training), which a sweep of short trials pays
every trial. An attempt whose kind allows it (`Launch.reuse`) runs instead on an idle warm worker
of its exact shape (CPUs, GPUs) started by this gateway, and the worker goes back to the pool when
the attempt returned. What does not change:
- cancel: a worker still running an ended operation after its grace is killed, as before, and
  leaves the pool;
- retry: a worker that dies fails its attempt the same way (RayActorError), and leaves the pool;
- isolation: an attempt only ever runs alone on its worker (one at a time, same resources as its
  own actor would have had); per-attempt state lives in the runner object, the work dir and
  Redis, never in the worker. A worker retires after MAX_RUNS attempts, bounding what a trainer
  could leak (memory, caches) into later attempts;
- adoption: the worker's Ray name is written on the record with the attempt it runs, in the
  same atomic step as the QUEUED -> RUNNING transition (the worker is claimed first), so the next
  gateway finds it after a restart whenever the record says RUNNING. An attempt runs on its worker
  at most once: `run` is keyed by the attempt ("tenant/id:attempt"), and a second `run` of the same
  key (the adopting gateway's) waits for the first one's outcome instead of running it again, or
  runs it if the gateway that recorded the worker died before handing it the attempt.

Idle workers hold their resources, so the pool gives them back: after IDLE_S unused, and at once
when an actor of another shape (or another kind's) needs room. A worker whose gateway is gone
exits by itself after EXIT_IDLE_S without an attempt (its gateway kills it sooner).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("kiln.scheduler")

IDLE_S = 20.0  # the gateway kills a warm worker unused this long
EXIT_IDLE_S = 60.0  # a warm worker with no attempt this long exits by itself (its gateway is gone)
MAX_RUNS = 64  # attempts one warm worker runs before it retires
_CLAIM_TIMEOUT_S = 10.0
# With no idle worker of the shape but a busy one, how long an attempt waits for it to come back
# before starting a new actor: the next trial of a sweep is queued the moment the previous trial's
# job is final, a little before its worker's run() has returned to this gateway.
HANDOFF_S = 1.5


class WarmWorker:
    """The actor: runs one attempt's runner at a time, `runner_cls(*args).attempt()`."""

    def __init__(self, exit_idle_s: float = EXIT_IDLE_S):
        self._lock = threading.Lock()
        self._ended = threading.Condition(self._lock)
        self._busy = False  # an attempt is running
        self._idle_since = time.monotonic()  # also refreshed by claim()
        self._exit_idle_s = exit_idle_s
        # The attempts this worker was handed: key -> outcome (None while it runs). A worker runs
        # at most MAX_RUNS attempts, so this stays small.
        self._outcomes: dict[str, str | None] = {}
        threading.Thread(target=self._exit_when_abandoned, daemon=True).start()

    def pid(self) -> int:
        """The gateway pings this to tell a live worker from a dead one."""
        return os.getpid()

    def claim(self) -> int:
        """Restarts the idle clock before the gateway hands the worker an attempt, so it cannot exit
        in between; raises (the actor is dead) when it already exited. A claim whose attempt never
        comes (its gateway died first) lets the worker exit EXIT_IDLE_S later, as an idle one does."""
        with self._lock:
            self._idle_since = time.monotonic()
        return os.getpid()

    def run(self, key: str, runner_cls: type, args: tuple) -> str:
        """Runs the attempt `key` ("tenant/id:attempt"), or, when it was handed here before (a
        restarted gateway adopting it), waits for that run and returns its outcome."""
        with self._lock:
            if key in self._outcomes:
                while self._outcomes[key] is None:
                    self._ended.wait()
                return self._outcomes[key] or "FAILED"
            self._outcomes[key] = None
            self._busy = True
        outcome = "FAILED"  # what a duplicate caller sees when the runner raised
        try:
            outcome = runner_cls(*args).attempt()
            return outcome
        finally:
            with self._lock:
                self._outcomes[key] = outcome
                self._busy = False
                self._idle_since = time.monotonic()
                self._ended.notify_all()

    def _exit_when_abandoned(self) -> None:
        while True:
            time.sleep(1.0)
            with self._lock:
                if not self._busy and time.monotonic() - self._idle_since > self._exit_idle_s:
                    os._exit(0)


def attempt_key(tenant: str, rid: str, attempt: int) -> str:
    """What a warm worker knows an attempt by (WarmWorker.run)."""
    return f"{tenant}/{rid}:{attempt}"


Shape = tuple[float, float]  # (num_cpus, num_gpus)


@dataclass(eq=False)  # one worker, one object: compared by identity
class Warm:
    """A warm worker as the gateway sees it."""

    actor: Any
    name: str
    shape: Shape
    runs: int = 0
    idle_since: float = 0.0


class WarmPool:
    """The idle warm workers of one gateway (shared by its schedulers: one process, one event loop)."""

    def __init__(self, instance: str, namespace: str):
        self.instance = instance
        self.namespace = namespace
        self._idle: list[Warm] = []
        self._busy: list[Warm] = []
        self._released = asyncio.Event()
        self._made = 0

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def acquire(self, shape: Shape) -> Warm:
        """An idle worker of `shape`, claimed, or a new one (making room for it first)."""
        import ray

        deadline = time.monotonic() + HANDOFF_S
        while True:
            warm = next((w for w in reversed(self._idle) if w.shape == shape), None)
            if warm is None:
                left = deadline - time.monotonic()
                if left <= 0 or not any(w.shape == shape for w in self._busy):
                    break
                self._released.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._released.wait(), left)
                continue
            self._idle.remove(warm)
            try:
                await asyncio.wait_for(asyncio.ensure_future(warm.actor.claim.remote()), _CLAIM_TIMEOUT_S)
                self._busy.append(warm)
                return warm
            except Exception:  # it exited by itself or died: drop it and try the next
                self._kill(warm)
        await self.make_room(*shape)
        self._made += 1
        name = f"kiln-warm-{self.instance}-{self._made}"
        actor = (
            ray.remote(WarmWorker)
            .options(
                name=name,
                namespace=self.namespace,
                lifetime="detached",
                max_restarts=0,
                max_concurrency=4,  # run(), an adopting gateway's run(), pid() pings and claim()
                num_cpus=shape[0],
                num_gpus=shape[1],
            )
            .remote()
        )
        warm = Warm(actor, name, shape)
        self._busy.append(warm)
        return warm

    def release(self, warm: Warm) -> None:
        """The worker's attempt returned: back to the pool, or retired."""
        self._forget(warm)
        warm.runs += 1
        if warm.runs >= MAX_RUNS:
            self._kill(warm)
            return
        warm.idle_since = time.monotonic()
        self._idle.append(warm)
        self._released.set()

    def unclaim(self, warm: Warm) -> None:
        """The worker was claimed for an attempt that did not start (its operation was no longer
        QUEUED): back to the pool, no run counted."""
        self._forget(warm)
        warm.idle_since = time.monotonic()
        self._idle.append(warm)
        self._released.set()

    def discard(self, warm: Warm) -> None:
        """The worker's attempt did not come back cleanly: it goes."""
        self._forget(warm)
        self._kill(warm)
        self._released.set()  # a waiting attempt starts its own worker now

    def _forget(self, warm: Warm) -> None:
        if warm in self._busy:
            self._busy.remove(warm)

    async def make_room(self, num_cpus: float, num_gpus: float) -> None:
        """Kills idle workers (oldest first) until, with what they held, Ray has the resources
        of a new actor of (num_cpus, num_gpus)."""
        import ray

        if not self._idle:
            return
        free = await asyncio.to_thread(ray.available_resources)
        cpus, gpus = free.get("CPU", 0.0), free.get("GPU", 0.0)
        while self._idle and (cpus < num_cpus or gpus < num_gpus):
            warm = self._idle.pop(0)
            self._kill(warm)
            cpus, gpus = cpus + warm.shape[0], gpus + warm.shape[1]

    def reap(self) -> None:
        """Kills the workers idle longer than IDLE_S."""
        now = time.monotonic()
        for warm in [w for w in self._idle if now - w.idle_since > IDLE_S]:
            self._idle.remove(warm)
            self._kill(warm)

    def close(self) -> None:
        while self._idle:
            self._kill(self._idle.pop())

    def _kill(self, warm: Warm) -> None:
        import ray

        with contextlib.suppress(Exception):  # already gone
            ray.kill(warm.actor, no_restart=True)


_POOLS: dict[str, WarmPool] = {}


def pool_of(instance: str, namespace: str) -> WarmPool:
    """The pool of the gateway `instance` (every kind's scheduler shares its instance id)."""
    pool = _POOLS.get(instance)
    if pool is None:
        pool = _POOLS[instance] = WarmPool(instance, namespace)
    return pool


def drop_pool(instance: str) -> None:
    pool = _POOLS.pop(instance, None)
    if pool is not None:
        pool.close()
