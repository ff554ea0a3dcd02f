"""The server factory: `await create_server(config)` -> (server, port), ready to `start()`.

Wires the parts together: Redis (embedded or external), the stores, the artifact store, the
scheduler on Ray, the six services plus health and reflection, and the interceptors.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from kiln.v1 import (
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
)

from server.artifacts import ArtifactStore
from server.config import KilnConfig
from server.interceptors import default_interceptors
from server.redis_embedded import EmbeddedRedis
from server.scheduler.scheduler import Scheduler
from server.services.datasets import DatasetService
from server.services.jobs import JobService
from server.services.models import ModelService
from server.services.unimplemented import unimplemented_servicer
from server.store.datasets import DatasetStore
from server.store.jobs import JobStore
from server.store.keys import Keys
from server.store.models import ModelStore
from server.store.tenants import TenantStore

log = logging.getLogger("kiln.server")

SERVICES = [
    d.services_by_name[name].full_name
    for d, name in (
        (jobs_pb2.DESCRIPTOR, "JobService"), (datasets_pb2.DESCRIPTOR, "DatasetService"),
        (sampling_pb2.DESCRIPTOR, "SamplingService"), (evaluation_pb2.DESCRIPTOR, "EvaluationService"),
        (feedback_pb2.DESCRIPTOR, "FeedbackService"), (models_pb2.DESCRIPTOR, "ModelService"),
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

    def __init__(self, config: KilnConfig, grpc_server: aio.Server, redis: aioredis.Redis, scheduler: Scheduler,
                 health_servicer: health.aio.HealthServicer, embedded: EmbeddedRedis | None,
                 shutdown: asyncio.Event, tenants: TenantStore):
        self.config = config
        self.grpc = grpc_server
        self.redis = redis
        self.scheduler = scheduler
        self.health = health_servicer
        self.embedded = embedded
        self.shutdown_event = shutdown
        self.tenants = tenants

    async def start(self) -> None:
        await self.grpc.start()
        await self.scheduler.start()
        for name in ["", *SERVICES]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("kiln serving", extra={"services": SERVICES})

    async def stop(self, grace: float | None = None) -> None:
        """Graceful: health goes NOT_SERVING, watch streams end UNAVAILABLE (resumable), RPCs drain."""
        grace = self.config.shutdown_grace_s if grace is None else grace
        await self.health.enter_graceful_shutdown()
        self.shutdown_event.set()
        await self.grpc.stop(grace)
        await self.scheduler.stop()
        await self.redis.aclose()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)

    async def wait_for_termination(self) -> None:
        await self.grpc.wait_for_termination()


async def create_server(config: KilnConfig) -> tuple[KilnServer, int]:
    redis_url, embedded = await asyncio.to_thread(connect_redis, config)
    redis = aioredis.Redis.from_url(redis_url)
    keys = Keys(config.redis_prefix)
    jobs, datasets, models = JobStore(redis, keys), DatasetStore(redis, keys), ModelStore(redis, keys)
    tenants = TenantStore(redis, keys)
    artifacts = ArtifactStore(config.artifact_root)
    shutdown = asyncio.Event()

    server = aio.server(interceptors=default_interceptors(tenants),
                        options=[("grpc.max_receive_message_length", 16 * 1024 * 1024)])
    jobs_pb2_grpc.add_JobServiceServicer_to_server(
        JobService(jobs, datasets, models, artifacts, config.default_max_retries, shutdown), server)
    datasets_pb2_grpc.add_DatasetServiceServicer_to_server(
        DatasetService(datasets, artifacts, config.scratch_dir / "uploads", config.max_upload_bytes), server)
    models_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(models, artifacts), server)
    sampling_pb2_grpc.add_SamplingServiceServicer_to_server(
        unimplemented_servicer(sampling_pb2_grpc.SamplingServiceServicer, "kiln.v1.SamplingService"), server)
    evaluation_pb2_grpc.add_EvaluationServiceServicer_to_server(
        unimplemented_servicer(evaluation_pb2_grpc.EvaluationServiceServicer, "kiln.v1.EvaluationService"), server)
    feedback_pb2_grpc.add_FeedbackServiceServicer_to_server(
        unimplemented_servicer(feedback_pb2_grpc.FeedbackServiceServicer, "kiln.v1.FeedbackService"), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME], server)

    port = server.add_insecure_port(f"{config.host}:{config.port}")
    scheduler = Scheduler(config, jobs, redis_url)
    return KilnServer(config, server, redis, scheduler, health_servicer, embedded, shutdown, tenants), port
