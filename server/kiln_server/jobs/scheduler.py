"""The gateway side of jobs: take queued jobs, run each attempt as a Ray actor, watch it.

Redis is the source of truth; this loop only moves jobs along and notices deaths:
- dispatch: pop "tenant/id" from the queue, claim it (QUEUED -> RUNNING, attempt + 1, atomic,
  so two gateways never run the same job), start a detached actor sized by the job's resources;
- monitor: await the attempt; if its actor dies, RETRYING -> QUEUED (resuming from the last
  checkpoint) while retries remain, else FAILED; kill the actor of a cancelled job after a grace
  period if it has not stopped by itself;
- reconcile (at start and periodically): re-queue QUEUED jobs missing from the queue, and adopt
  RUNNING jobs whose gateway is gone (keep watching a live actor, retry a dead one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid

from redis.exceptions import RedisError

from kiln_server.jobs.context import JobHandle
from kiln_server.jobs.store import JobStore
from kiln_server.operations.queue import QueueScheduler
from kiln_server.operations.scripts import FINAL_STATES
from kiln_server.platform import metrics
from kiln_server.platform.cancel import raise_if_cancelled
from kiln_server.platform.config import KilnConfig

log = logging.getLogger("kiln.scheduler")

_HEARTBEAT_S = 3
_HEARTBEAT_TTL_S = 10
_POLL_S = 0.5
RAY_NAMESPACE = "kiln"


def init_ray(config: KilnConfig) -> None:
    """Connect to KILN_RAY_ADDRESS, or start a local instance (idempotent within a process)."""
    import ray

    if ray.is_initialized():
        return
    kwargs: dict = {"namespace": RAY_NAMESPACE, "log_to_driver": False, "include_dashboard": False}
    if config.ray_address:
        kwargs["address"] = config.ray_address
    elif config.ray_num_cpus:
        kwargs["num_cpus"] = config.ray_num_cpus
    ray.init(**kwargs)
    log.info("ray ready", extra={"resources": ray.cluster_resources()})


def actor_name(job_id: str, attempt: int) -> str:
    return f"kiln-job-{job_id}-{attempt}"


class Scheduler(QueueScheduler):
    def __init__(self, config: KilnConfig, jobs: JobStore, redis_url: str):
        super().__init__(config, jobs, uuid.uuid4().hex[:12])
        self.jobs = jobs
        self.redis_url = redis_url

    async def start(self) -> None:
        if threading.current_thread() is threading.main_thread():
            # ray.init installs its signal handlers only from the main thread, and without them a
            # stopped `kiln serve` waits on Ray's shutdown; the server is not serving yet anyway.
            init_ray(self.config)
        else:
            await asyncio.to_thread(init_ray, self.config)
        await self._heartbeat()
        await self.reconcile()
        for coro in (self._dispatch_loop(), self._heartbeat_loop(), self._reconcile_loop()):
            self._spawn(coro)

    async def stop(self) -> None:
        await super().stop()
        # Redis may be gone already; the heartbeat key then simply expires.
        with contextlib.suppress(RedisError, OSError):
            await self.jobs.redis.delete(self.jobs.keys.gateway(self.instance))

    def _running_changed(self) -> None:
        metrics.JOBS_RUNNING.set(len(self._running))

    # -- loops ---------------------------------------------------------------------------------
    async def _heartbeat(self) -> None:
        await self.jobs.redis.set(self.jobs.keys.gateway(self.instance), str(time.time()), ex=_HEARTBEAT_TTL_S)

    async def _heartbeat_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(_HEARTBEAT_S)
            try:
                await self._heartbeat()
            except (RedisError, OSError) as exc:  # Redis away: keep beating once it is back
                raise_if_cancelled()
                if self._stopping.is_set():
                    return
                log.warning("heartbeat failed", extra={"error": str(exc)})

    # -- one attempt ---------------------------------------------------------------------------
    async def _run_attempt(self, tenant: str, job_id: str, attempt: int) -> None:
        import ray

        from kiln_server.jobs.runner import JobRunner

        record = await self.jobs.get(tenant, job_id)
        spec = json.loads(record["payload"])
        res = spec["resources"]
        handle = JobHandle(
            tenant=tenant,
            job_id=job_id,
            attempt=attempt,
            redis_url=self.redis_url,
            prefix=self.jobs.keys.prefix,
            artifact_root=self.config.artifact_root,
            scratch_dir=str(self.config.scratch_dir),
        )
        rels = await self._dataset_rels(tenant, spec)
        # With several workers, Ray Train's own worker actors hold the CPUs/GPUs; the runner only
        # coordinates, so it asks for none (else it would starve the workers it waits for).
        # PPO's role actors likewise hold the CPUs (a placement group of their own).
        dp = res["workers"] > 1 or spec["method"] == "ppo"
        options = dict(
            name=actor_name(job_id, attempt),
            namespace=RAY_NAMESPACE,
            lifetime="detached",
            max_restarts=0,
            max_concurrency=2,
            num_cpus=0 if dp else res["cpus"],
            num_gpus=0 if dp else res["gpus"],
        )
        try:
            actor = ray.remote(JobRunner).options(**options).remote(handle, spec, rels)
        except ValueError as exc:  # an actor of that name exists: another gateway raced us
            log.warning("actor exists", extra={"job": job_id, "error": str(exc)})
            return
        metrics.JOBS_STARTED.labels(spec["method"]).inc()
        log.info("job attempt started", extra={"job": job_id, "tenant": tenant, "attempt": attempt})
        await self._monitor(tenant, job_id, attempt, actor, actor.run.remote())

    async def _dataset_rels(self, tenant: str, spec: dict) -> dict:
        out = {}
        for role, dataset_id in (("train", spec["training_dataset"]), ("val", spec.get("validation_dataset"))):
            if dataset_id:
                ds = await self.jobs.redis.hget(self.jobs.keys.dataset(tenant, dataset_id), "artifact_rel")
                out[role] = ds.decode() if ds else None
        return out

    async def _monitor(self, tenant: str, job_id: str, attempt: int, actor, run_ref=None) -> None:
        """Waits for the attempt to end; handles death and overdue cancellation."""
        import ray
        from ray.exceptions import RayActorError

        ref = asyncio.ensure_future(run_ref) if run_ref is not None else None
        cancelled_at: float | None = None
        shutting_down = False
        last_ping = time.monotonic()
        try:
            while True:
                if ref is not None:
                    done, _ = await asyncio.wait({ref}, timeout=_POLL_S)
                    if done:
                        outcome = ref.result()  # raises RayActorError if the worker died
                        log.info("job attempt ended", extra={"job": job_id, "outcome": outcome})
                        break
                else:
                    await asyncio.sleep(_POLL_S)
                    if time.monotonic() - last_ping > 2:
                        last_ping = time.monotonic()
                        await asyncio.wait_for(asyncio.ensure_future(actor.pid.remote()), timeout=30)
                record = await self.jobs.get(tenant, job_id)
                if record is None or int(record.get("attempt", 0)) != attempt:
                    break
                if record["state"] in FINAL_STATES:
                    cancelled_at = cancelled_at or time.monotonic()
                    if ref is None or time.monotonic() - cancelled_at > self.config.cancel_grace_s:
                        log.warning("killing worker of ended job", extra={"job": job_id, "state": record["state"]})
                        break
        except (TimeoutError, RayActorError) as exc:
            await self._worker_died(tenant, job_id, attempt, f"worker died: {type(exc).__name__}")
        except asyncio.CancelledError:
            # This gateway is stopping: leave the attempt running for the next gateway to adopt.
            shutting_down = True
            raise
        finally:
            if ref is not None and not ref.done():
                ref.cancel()
            if not shutting_down:
                with contextlib.suppress(Exception):  # already gone
                    ray.kill(actor, no_restart=True)
                state = (await self.jobs.get(tenant, job_id) or {}).get("state")
                if state in FINAL_STATES:
                    metrics.JOBS_FINISHED.labels(state).inc()

    async def _worker_died(self, tenant: str, job_id: str, attempt: int, reason: str) -> None:
        record = await self.jobs.get(tenant, job_id)
        if record is None:
            return
        retries_used = attempt - 1
        if retries_used < int(record.get("max_retries", 0)):
            ok, _, _ = await self.jobs.transition(
                tenant, job_id, ("RUNNING",), "RETRYING", reason=reason, attempt=attempt
            )
            if ok:
                await self.jobs.transition(
                    tenant, job_id, ("RETRYING",), "QUEUED", reason="resuming from the last checkpoint", enqueue=True
                )
                log.warning("job retried", extra={"job": job_id, "attempt": attempt, "reason": reason})
        else:
            await self.jobs.transition(
                tenant,
                job_id,
                ("RUNNING",),
                "FAILED",
                attempt=attempt,
                reason=f"{reason}; no retries left",
                fields={"error": f"{reason} on attempt {attempt}; no retries left"},
            )

    # -- reconcile -----------------------------------------------------------------------------
    async def reconcile(self) -> None:
        queued = {m.decode() for m in await self.jobs.redis.lrange(self.jobs.keys.job_queue(), 0, -1)}
        for tenant, job_id in await self.jobs.active():
            key = f"{tenant}/{job_id}"
            if key in self._running:
                continue
            record = await self.jobs.get(tenant, job_id)
            if record is None:
                await self.jobs.redis.srem(self.jobs.keys.active_jobs(), key)
                continue
            state = record["state"]
            if state == "QUEUED" and key not in queued:
                await self.jobs.enqueue(tenant, job_id)
            elif state == "RETRYING":
                await self.jobs.transition(tenant, job_id, ("RETRYING",), "QUEUED", reason="requeued", enqueue=True)
            elif state == "RUNNING" and not await self._owner_alive(record.get("owner", "")):
                await self._adopt(tenant, job_id, int(record["attempt"]))

    async def _owner_alive(self, owner: str) -> bool:
        return owner == self.instance or bool(await self.jobs.redis.exists(self.jobs.keys.gateway(owner)))

    async def _adopt(self, tenant: str, job_id: str, attempt: int) -> None:
        import ray

        await self.jobs.set_fields(tenant, job_id, {"owner": self.instance})
        try:
            actor = ray.get_actor(actor_name(job_id, attempt), namespace=RAY_NAMESPACE)
        except ValueError:
            log.warning("adopting job whose worker is gone", extra={"job": job_id, "attempt": attempt})
            self._track(tenant, job_id, self._worker_died(tenant, job_id, attempt, "worker lost with its gateway"))
            return
        log.info("adopted running job", extra={"job": job_id, "attempt": attempt})
        self._track(tenant, job_id, self._monitor(tenant, job_id, attempt, actor))
