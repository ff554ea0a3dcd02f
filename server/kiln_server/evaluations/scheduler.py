"""The gateway side of evaluations: take queued ones, run each attempt as a Ray actor, watch it.

The same shape as the job scheduler (scheduler.py), smaller: an evaluation has no checkpoints
and no cancel RPC, and it is deterministic (seeded sampling), so a lost worker is simply rerun
from the start, up to MAX_ATTEMPTS times.
- dispatch: pop "tenant/id" from the evaluation queue, claim it (QUEUED -> RUNNING, attempt + 1,
  atomic), start a detached 1-CPU actor;
- monitor: await the attempt; if its actor dies, requeue or fail;
- reconcile (at start and periodically): requeue QUEUED evaluations missing from the queue and
  adopt RUNNING ones whose gateway is gone (keep watching a live actor, rerun a dead one).
Ownership uses the job scheduler's gateway heartbeat: `instance` is that scheduler's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from kiln_server.evaluations.runner import EvalHandle
from kiln_server.evaluations.store import EvaluationStore
from kiln_server.operations.queue import QueueScheduler
from kiln_server.operations.scripts import FINAL_STATES
from kiln_server.platform.config import KilnConfig

log = logging.getLogger("kiln.scheduler")

MAX_ATTEMPTS = 3
_POLL_S = 0.5
_EVAL_CPUS = 1
RAY_NAMESPACE = "kiln"


def actor_name(evaluation_id: str, attempt: int) -> str:
    return f"kiln-eval-{evaluation_id}-{attempt}"


class EvaluationScheduler(QueueScheduler):
    kind = "evaluation"

    def __init__(self, config: KilnConfig, store: EvaluationStore, redis_url: str, instance: str):
        super().__init__(config, store, instance)
        self.store = store
        self.redis_url = redis_url

    async def start(self) -> None:
        """Call after the job scheduler started: it connects Ray and writes the heartbeat."""
        await self.reconcile()
        for coro in (self._dispatch_loop(), self._reconcile_loop()):
            self._spawn(coro)

    # -- one attempt ---------------------------------------------------------------------------
    async def _run_attempt(self, tenant: str, eid: str, attempt: int) -> None:
        import ray

        from kiln_server.evaluations.runner import EvaluationRunner

        record = await self.store.get(tenant, eid)
        if record is None:
            return
        handle = EvalHandle(
            tenant=tenant,
            evaluation_id=eid,
            attempt=attempt,
            redis_url=self.redis_url,
            prefix=self.store.keys.prefix,
            artifact_root=self.config.artifact_root,
            scratch_dir=str(self.config.scratch_dir),
        )
        options = dict(
            name=actor_name(eid, attempt),
            namespace=RAY_NAMESPACE,
            lifetime="detached",
            max_restarts=0,
            max_concurrency=2,
            num_cpus=_EVAL_CPUS,
            num_gpus=0,
        )
        try:
            actor = (
                ray.remote(EvaluationRunner)
                .options(**options)
                .remote(handle, json.loads(record["payload"]), record["reuse_key"])
            )
        except ValueError as exc:  # an actor of that name exists: another gateway raced us
            log.warning("evaluation actor exists", extra={"evaluation": eid, "error": str(exc)})
            return
        log.info("evaluation attempt started", extra={"evaluation": eid, "tenant": tenant, "attempt": attempt})
        await self._monitor(tenant, eid, attempt, actor, actor.run.remote())

    async def _monitor(self, tenant: str, eid: str, attempt: int, actor, run_ref=None) -> None:
        """Waits for the attempt to end (`run_ref`), or, for an adopted actor, pings it until
        the evaluation ends; a dead worker is rerun or failed."""
        import ray
        from ray.exceptions import RayActorError

        ref = asyncio.ensure_future(run_ref) if run_ref is not None else None
        stopping = False
        try:
            while True:
                if ref is not None:
                    done, _ = await asyncio.wait({ref}, timeout=_POLL_S)
                    if done:
                        log.info("evaluation attempt ended", extra={"evaluation": eid, "outcome": ref.result()})
                        break
                else:
                    await asyncio.sleep(_POLL_S)
                    await asyncio.wait_for(asyncio.ensure_future(actor.pid.remote()), timeout=30)
                record = await self.store.get(tenant, eid)
                if record is None or int(record.get("attempt", 0)) != attempt or record["state"] in FINAL_STATES:
                    break
        except (TimeoutError, RayActorError) as exc:
            await self._worker_died(tenant, eid, attempt, f"worker died: {type(exc).__name__}")
        except asyncio.CancelledError:
            stopping = True  # this gateway is stopping: the next one adopts the attempt
            raise
        finally:
            if ref is not None and not ref.done():
                ref.cancel()
            if not stopping:
                with contextlib.suppress(Exception):  # already gone
                    ray.kill(actor, no_restart=True)
                await self._ended_without_outcome(tenant, eid, attempt)

    async def _ended_without_outcome(self, tenant: str, eid: str, attempt: int) -> None:
        """A worker that returned without a final state (it should not) must not leave the
        evaluation RUNNING forever."""
        record = await self.store.get(tenant, eid)
        if record is not None and record["state"] == "RUNNING" and int(record.get("attempt", 0)) == attempt:
            await self._worker_died(tenant, eid, attempt, "worker ended without a result")

    async def _worker_died(self, tenant: str, eid: str, attempt: int, reason: str) -> None:
        if attempt < MAX_ATTEMPTS:
            ok, _, _ = await self.store.transition(
                tenant, eid, ("RUNNING",), "QUEUED", attempt=attempt, reason=f"{reason}; rerunning", enqueue=True
            )
            if ok:
                log.warning("evaluation requeued", extra={"evaluation": eid, "attempt": attempt, "reason": reason})
        else:
            await self.store.transition(
                tenant,
                eid,
                ("RUNNING",),
                "FAILED",
                attempt=attempt,
                reason=f"{reason}; no attempts left",
                fields={"error": f"{reason} on attempt {attempt} of {MAX_ATTEMPTS}"},
            )

    # -- reconcile -----------------------------------------------------------------------------
    async def reconcile(self) -> None:
        queued = await self.store.queued()
        for tenant, eid in await self.store.active():
            key = f"{tenant}/{eid}"
            if key in self._running:
                continue
            record = await self.store.get(tenant, eid)
            if record is None or record["state"] in FINAL_STATES:
                await self.store.forget_active(tenant, eid)
            elif record["state"] == "QUEUED" and key not in queued:
                await self.store.enqueue(tenant, eid)
            elif record["state"] == "RUNNING" and not await self._owner_alive(record.get("owner", "")):
                await self._adopt(tenant, eid, int(record["attempt"]))

    async def _owner_alive(self, owner: str) -> bool:
        return owner == self.instance or bool(await self.store.redis.exists(self.store.keys.gateway(owner)))

    async def _adopt(self, tenant: str, eid: str, attempt: int) -> None:
        import ray

        await self.store.set_fields(tenant, eid, {"owner": self.instance})
        try:
            actor = ray.get_actor(actor_name(eid, attempt), namespace=RAY_NAMESPACE)
        except ValueError:
            log.warning("adopting evaluation whose worker is gone", extra={"evaluation": eid, "attempt": attempt})
            self._track(tenant, eid, self._worker_died(tenant, eid, attempt, "worker lost with its gateway"))
            return
        log.info("adopted running evaluation", extra={"evaluation": eid, "attempt": attempt})
        self._track(tenant, eid, self._monitor(tenant, eid, attempt, actor))
