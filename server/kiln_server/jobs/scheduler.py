"""The job kind of the operation scheduler (operations/queue.py): each attempt runs on a detached
actor sized by the job's resources (a warm one kept from earlier jobs where it can); a lost worker
is retried (RETRYING -> QUEUED, resuming from the last checkpoint) while max_retries allows; a
cancelled job's worker gets cancel_grace_s to stop by itself before it is killed. This scheduler
also joins Ray and writes the gateway heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid

from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.admission import FairQueue
from kiln_server.jobs.context import JobHandle
from kiln_server.jobs.record import JobRecord
from kiln_server.jobs.store import JobStore
from kiln_server.operations.queue import RAY_NAMESPACE, Launch, QueueScheduler
from kiln_server.operations.record import State
from kiln_server.operations.worker import AttemptHandle
from kiln_server.platform import metrics
from kiln_server.platform.config import KilnConfig

log = logging.getLogger("kiln.scheduler")


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


# The fair pick reads the queue rather than popping it: an all-at-quota queue waits this long
# before the next look; an empty one blocks on the queue for at most this long (a new job wakes it).
_FAIR_POLL_S = 0.25


class JobScheduler(QueueScheduler[JobRecord]):
    kind = "job"
    retry_through = State.RETRYING
    requeue_reason = "resuming from the last checkpoint"

    def __init__(
        self,
        config: KilnConfig,
        jobs: JobStore,
        datasets: DatasetStore,
        redis_url: str,
        fair: FairQueue | None = None,
    ):
        super().__init__(config, jobs, redis_url, uuid.uuid4().hex[:12])
        self.end_grace_s = config.cancel_grace_s
        self.datasets = datasets
        self.fair = fair

    async def next_queued(self) -> tuple[str, str] | None:
        if self.fair is None:
            return await super().next_queued()
        item = await self.fair.pop()
        if item is None:
            await self._wait_for_work()
        return item

    async def _wait_for_work(self) -> None:
        """Until the queue may hold a job this gateway can start, at most _FAIR_POLL_S.

        An empty queue is waited on with BRPOP, so a new job (e.g. a sweep's next trial) starts
        at once instead of after a poll period; the entry it pops goes back to the oldest end,
        where it was, for the fair pick to take. A non-empty queue whose tenants are all at their
        quota just waits the period (BRPOP would return at once and spin)."""
        queue = self.jobs.operation.queue_key(self.jobs.keys)
        if await self.store.redis.llen(queue):
            await asyncio.sleep(_FAIR_POLL_S)
            return
        popped = await self.store.redis.brpop([queue], timeout=_FAIR_POLL_S)
        if popped is not None:
            await self.store.redis.rpush(queue, popped[1])

    @property
    def jobs(self) -> JobStore:
        return self.store  # type: ignore[return-value]

    async def start(self) -> None:  # type: ignore[override]
        if threading.current_thread() is threading.main_thread():
            # ray.init installs its signal handlers only from the main thread, and without them a
            # stopped `kiln serve` waits on Ray's shutdown; the server is not serving yet anyway.
            init_ray(self.config)
        else:
            await asyncio.to_thread(init_ray, self.config)
        await super().start(heartbeat=True)

    def attempts_allowed(self, record: JobRecord) -> int:
        return 1 + record.max_retries

    async def launch(self, record: JobRecord, handle: AttemptHandle) -> Launch:
        from kiln_server.jobs.runner import JobRunner

        spec = record.payload
        rels = {"train": await self._dataset_rel(record.tenant, spec.training_dataset)}
        if spec.validation_dataset:
            rels["val"] = await self._dataset_rel(record.tenant, spec.validation_dataset)
        # With several workers, Ray Train's own worker actors hold the CPUs/GPUs; the runner only
        # coordinates, so it asks for none (else it would starve the workers it waits for).
        # PPO's role actors likewise hold the CPUs (a placement group of their own).
        coordinates = spec.resources.workers > 1 or spec.method in ("ppo", "grpo", "rloo", "online_dpo")
        return Launch(
            JobRunner,
            (JobHandle(**vars(handle), storage_quota_default=self.config.quota_storage_bytes), spec, rels),
            num_cpus=0 if coordinates else spec.resources.cpus,
            num_gpus=0 if coordinates else spec.resources.gpus,
            # A single-process job runs on a warm worker of its resources (operations/pool.py):
            # a sweep's short trials would otherwise pay a process start and torch's import each.
            # A coordinator's workers (Ray Train, PPO's roles) are actors of their own anyway.
            reuse=not coordinates,
            room=(float("inf"), float("inf")) if coordinates else None,
        )

    async def _dataset_rel(self, tenant: str, dataset_id: str) -> str | None:
        dataset = await self.datasets.get(tenant, dataset_id)
        return dataset.artifact_rel if dataset is not None else None

    def attempt_started(self, record: JobRecord) -> None:
        metrics.JOBS_STARTED.labels(record.method).inc()

    def attempt_ended(self, record: JobRecord | None) -> None:
        if record is not None and record.final:
            metrics.JOBS_FINISHED.labels(record.state).inc()

    def running_changed(self, count: int) -> None:
        metrics.JOBS_RUNNING.set(count)
