"""The server factory: `await create_server(config)` -> (server, port), ready to `start()`.

Wires the parts together: Redis (embedded or external), the stores, the artifact store, the
scheduler on Ray, the seven services plus health and reflection, and the interceptors.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from kiln.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    datasets_pb2,
    datasets_pb2_grpc,
    evaluation_pb2,
    evaluation_pb2_grpc,
    feedback_pb2,
    feedback_pb2_grpc,
    jobs_pb2,
    jobs_pb2_grpc,
    models_pb2,
    models_pb2_grpc,
    sampling_pb2,
    sampling_pb2_grpc,
    sweeps_pb2,
    sweeps_pb2_grpc,
)
from kiln_server.datasets.service import DatasetService
from kiln_server.datasets.store import DatasetStore
from kiln_server.datasets.writer import DatasetWriter, clean_scratch
from kiln_server.evaluations.scheduler import EvaluationScheduler
from kiln_server.evaluations.service import EvaluationService
from kiln_server.evaluations.store import EvaluationStore
from kiln_server.feedback.service import FeedbackService
from kiln_server.feedback.store import ExportDatasetStore, FeedbackStore
from kiln_server.jobs.admission import ClusterCapacity, FairQueue, JobAdmission
from kiln_server.jobs.scheduler import JobScheduler
from kiln_server.jobs.service import JobService
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.jobs.store import JobStore
from kiln_server.models.export import ModelExporter
from kiln_server.models.quota import DeploymentQuota
from kiln_server.models.ref import ModelResolver
from kiln_server.models.service import ModelService
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.cancel import raise_if_cancelled, stop_tasks
from kiln_server.platform.claims import RequestClaims
from kiln_server.platform.config import KilnConfig
from kiln_server.platform.interceptors import default_interceptors
from kiln_server.platform.keys import Keys
from kiln_server.platform.pagination import load_secret
from kiln_server.platform.redis_embedded import EmbeddedRedis
from kiln_server.platform.reflection import enable_reflection
from kiln_server.platform.tls import bind
from kiln_server.platform.ttl_cache import TtlCache
from kiln_server.sampling.cache import SamplingCache
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.sampling.ray_serve import RayServeBackend
from kiln_server.sampling.router import Router
from kiln_server.sampling.sampler import Sampler
from kiln_server.sampling.samples import SampleStore
from kiln_server.sampling.service import SamplingService
from kiln_server.sampling.triton import TritonBackend
from kiln_server.sweeps.manager import SweepManager
from kiln_server.sweeps.service import SweepService
from kiln_server.sweeps.store import SweepStore
from kiln_server.sweeps.trials import TrialJobs
from kiln_server.tenants.audit import AuditLog
from kiln_server.tenants.purge import TenantPurge
from kiln_server.tenants.quotas import QuotaStore
from kiln_server.tenants.ratelimit import SamplingLimiter
from kiln_server.tenants.service import AdminService
from kiln_server.tenants.storage import StorageLedger
from kiln_server.tenants.store import TenantStore

log = logging.getLogger("kiln.server")

SERVICES = [
    d.services_by_name[name].full_name
    for d, name in (
        (jobs_pb2.DESCRIPTOR, "JobService"),
        (datasets_pb2.DESCRIPTOR, "DatasetService"),
        (sampling_pb2.DESCRIPTOR, "SamplingService"),
        (evaluation_pb2.DESCRIPTOR, "EvaluationService"),
        (feedback_pb2.DESCRIPTOR, "FeedbackService"),
        (models_pb2.DESCRIPTOR, "ModelService"),
        (sweeps_pb2.DESCRIPTOR, "SweepService"),
        (admin_pb2.DESCRIPTOR, "AdminService"),
    )
]


def connect_redis(config: KilnConfig) -> tuple[str, EmbeddedRedis | None]:
    """The Redis URL to use, starting the embedded server when no KILN_REDIS_URL is set."""
    if config.redis_url:
        return config.redis_url, None
    embedded = EmbeddedRedis(config.data_dir / "redis")
    return embedded.start(), embedded


class KilnServer:
    """A grpc.aio server plus the background parts whose lifetime it shares."""

    def __init__(
        self,
        config: KilnConfig,
        grpc_server: aio.Server,
        redis: aioredis.Redis,
        scheduler: JobScheduler,
        health_servicer: health.aio.HealthServicer,
        embedded: EmbeddedRedis | None,
        shutdown: asyncio.Event,
        tenants: TenantStore,
    ):
        self.config = config
        self.grpc = grpc_server
        self.redis = redis
        self.scheduler = scheduler
        self.health = health_servicer
        self.embedded = embedded
        self.shutdown_event = shutdown
        self.tenants = tenants
        self.state_health: StateStoreHealth | None = None
        self.extra_clients: list[aioredis.Redis] = []
        self.triton: TritonBackend | None = None
        self.eval_scheduler: EvaluationScheduler | None = None
        self.sweeps: SweepManager | None = None
        self.audit: AuditLog | None = None

    async def start(self) -> None:
        await self.scheduler.start()  # first: joining Ray may block the loop for seconds
        await self.grpc.start()
        if self.eval_scheduler is not None:  # after the job scheduler: it joins Ray, writes the heartbeat
            await self.eval_scheduler.start()
        if self.sweeps is not None:  # after the job scheduler: trials are its jobs
            await self.sweeps.start()
        for name in ["", *SERVICES]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        if self.state_health is not None:
            await self.state_health.start()
        log.info("kiln serving", extra={"services": SERVICES})

    async def stop(self, grace: float | None = None) -> None:
        """Graceful: health goes NOT_SERVING, watch streams end UNAVAILABLE (resumable), RPCs drain."""
        grace = self.config.shutdown_grace_s if grace is None else grace
        await _bounded("health", self.health.enter_graceful_shutdown(), 5)
        self.shutdown_event.set()
        await _bounded("grpc", self.grpc.stop(grace), grace + 10)
        if self.audit is not None:  # entries of the last calls are written behind them
            await _bounded("audit log", self.audit.flush(), 5)
        if self.sweeps is not None:
            await _bounded("sweep manager", self.sweeps.stop(), 15)
        if self.eval_scheduler is not None:
            await _bounded("evaluation scheduler", self.eval_scheduler.stop(), 15)
        await _bounded("job scheduler", self.scheduler.stop(), 15)
        if self.state_health is not None:
            await _bounded("redis health", self.state_health.stop(), 10)
        if self.triton is not None:  # stops the private tritonserver, if one was started
            await _bounded("triton", self.triton.close(), 30)
        for client in [*self.extra_clients, self.redis]:
            await _bounded("redis client", client.aclose(), 5)
        if self.embedded is not None:
            await _bounded("embedded redis", asyncio.to_thread(self.embedded.stop), 15)

    async def wait_for_termination(self) -> None:
        await self.grpc.wait_for_termination()


async def _bounded(stage: str, aw, timeout_s: float) -> None:
    """One shutdown stage, given at most `timeout_s`: a stop must finish even if a part hangs."""
    try:
        await asyncio.wait_for(aw, timeout_s)
    except TimeoutError:
        log.warning("shutdown stage %s timed out after %ss", stage, timeout_s, extra={"stage": stage})


class StateStoreHealth:
    """Reports Redis reachability as the health of service "kiln.redis" and of every service
    that needs Redis (all but SamplingService).

    Sampling keeps working without Redis (uncached, on last-known routes), so the server as a
    whole ("") stays SERVING: a load balancer must not pull every gateway off sampling because
    the shared state store is down. "kiln.redis" and the dependent services going NOT_SERVING
    tell operators and clients what is degraded; they return to SERVING by themselves.
    """

    DEPENDENT = [s for s in SERVICES if not s.endswith(".SamplingService")]

    SERVICE = "kiln.redis"
    PERIOD_S = 1.0

    def __init__(self, redis: aioredis.Redis, health_servicer: health.aio.HealthServicer):
        self.redis = redis
        self.health = health_servicer
        self._task: asyncio.Task | None = None
        self.ok: bool | None = None

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            await stop_tasks([self._task])

    async def check(self) -> bool:
        try:
            ok = bool(await self.redis.ping())
        except Exception:
            raise_if_cancelled()
            ok = False
        if ok != self.ok:
            if not ok:
                log.warning("redis unreachable: sampling continues uncached; jobs and feedback are unavailable")
            elif self.ok is False:
                log.info("redis reachable again")
            status = health_pb2.HealthCheckResponse.SERVING if ok else health_pb2.HealthCheckResponse.NOT_SERVING
            for service in [self.SERVICE, *self.DEPENDENT]:
                await self.health.set(service, status)
            self.ok = ok
        return ok

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.PERIOD_S)
            await self.check()


async def create_server(config: KilnConfig) -> tuple[KilnServer, int]:
    if removed := clean_scratch(config.scratch_dir):
        log.info("removed scratch files of interrupted uploads", extra={"count": removed})
    redis_url, embedded = await asyncio.to_thread(connect_redis, config)
    redis = aioredis.Redis.from_url(redis_url)
    keys = Keys(config.redis_prefix)
    try:
        await load_secret(redis, config.redis_prefix)
    except (aioredis.ConnectionError, aioredis.TimeoutError, OSError):
        # Redis is down at start: this gateway's page tokens use a secret of its own until restart.
        log.warning("state store unreachable: page tokens use a per-process secret")
    jobs, datasets, models = JobStore(redis, keys), DatasetStore(redis, keys), ModelStore(redis, keys)
    # API keys, quotas and model routes are kept in-process for local_cache_ttl_s: the bound on
    # how long a change made through another gateway takes to apply here.
    tenants = TenantStore(redis, keys, config.local_cache_ttl_s)
    quota_cache: TtlCache = TtlCache(config.local_cache_ttl_s)
    quotas = QuotaStore(redis, keys, config.quotas(), quota_cache)
    artifacts = ArtifactStore(config.artifact_root)
    shutdown = asyncio.Event()

    # The audit log writes through the fast client: an outage costs a call at most its timeouts.
    fast_redis = aioredis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=1.0)
    audit = AuditLog(fast_redis, keys)
    server = aio.server(
        interceptors=default_interceptors(tenants, audit),
        options=[
            ("grpc.max_receive_message_length", 16 * 1024 * 1024),
            # gRPC sets SO_REUSEPORT by default: a second gateway on the same
            # port would then bind silently and steal half the connections.
            ("grpc.so_reuseport", 0),
        ],
    )
    resolver = ModelResolver(models, config.shared_model_roots)
    specs = JobSpecBuilder(datasets, resolver, artifacts, config.scratch_dir, config.default_max_retries)
    admission = JobAdmission(jobs, quotas, ClusterCapacity())
    jobs_pb2_grpc.add_JobServiceServicer_to_server(JobService(jobs, specs, shutdown, admission), server)
    ledger = StorageLedger(redis, keys, quotas)
    uploads = DatasetWriter(datasets, artifacts, config.scratch_dir / "uploads", config.max_upload_bytes, ledger)
    datasets_pb2_grpc.add_DatasetServiceServicer_to_server(DatasetService(datasets, uploads), server)
    # Sampling talks to Redis through its own client with short timeouts (fast_redis): when Redis
    # is slow or gone, cache and sample writes give up fast and sampling carries on uncached.
    cache = SamplingCache(fast_redis, keys, config.cache_ttl_s, config.cache_max_bytes)
    serve = RayServeBackend()
    # No process starts here: a private tritonserver starts on the first TRITON deployment.
    triton = TritonBackend(config.triton_url, config.triton_repository, (config.data_dir / "triton").resolve())
    router = Router(config, ModelStore(fast_redis, keys), DeploymentStore(fast_redis, keys), artifacts, serve, triton)
    exporter = ModelExporter(models, datasets, artifacts, router, config.scratch_dir, ledger)
    deploy_quota = DeploymentQuota(DeploymentStore(redis, keys), quotas)
    models_pb2_grpc.add_ModelServiceServicer_to_server(
        ModelService(models, artifacts, router, cache, exporter, deploy_quota, ledger), server
    )
    sampler = Sampler(router, serve, cache, SampleStore(fast_redis, keys, config.sample_ttl_s), triton)
    sampling_pb2_grpc.add_SamplingServiceServicer_to_server(
        SamplingService(
            sampler,
            RequestClaims(fast_redis, keys),
            SamplingLimiter(fast_redis, keys, QuotaStore(fast_redis, keys, config.quotas(), quota_cache)),
        ),
        server,
    )
    evaluations = EvaluationStore(redis, keys)
    evaluation_pb2_grpc.add_EvaluationServiceServicer_to_server(
        EvaluationService(evaluations, datasets, models, shutdown), server
    )
    sweeps = SweepStore(redis, keys)
    sweeps_pb2_grpc.add_SweepServiceServicer_to_server(SweepService(sweeps, jobs, specs, shutdown), server)
    feedback_pb2_grpc.add_FeedbackServiceServicer_to_server(
        FeedbackService(
            FeedbackStore(redis, keys),
            SampleStore(redis, keys),
            DatasetWriter(
                ExportDatasetStore(redis, keys),
                artifacts,
                config.scratch_dir / "exports",
                config.max_upload_bytes,
                ledger,
            ),
        ),
        server,
    )
    purge = TenantPurge(tenants, [jobs, evaluations, sweeps], router, artifacts)
    admin_pb2_grpc.add_AdminServiceServicer_to_server(AdminService(tenants, quotas, audit, purge), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    enable_reflection([*SERVICES, health.SERVICE_NAME], server)
    state_health = StateStoreHealth(fast_redis, health_servicer)

    try:
        port = bind(server, config)
    except RuntimeError:
        # Nothing else was started yet but the private Redis: don't leave it running.
        await server.stop(None)
        await redis.aclose()
        await fast_redis.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        raise
    scheduler = JobScheduler(config, jobs, datasets, redis_url, FairQueue(jobs, quotas))
    kiln = KilnServer(config, server, redis, scheduler, health_servicer, embedded, shutdown, tenants)
    kiln.state_health = state_health
    kiln.triton = triton
    kiln.eval_scheduler = EvaluationScheduler(config, evaluations, redis_url, scheduler.instance)
    kiln.sweeps = SweepManager(sweeps, TrialJobs(jobs, specs, models), redis_url, scheduler.instance)
    kiln.audit = audit
    kiln.extra_clients.append(fast_redis)
    return kiln, port
