"""Redis killed under a live gateway: calls that need it answer UNAVAILABLE with RetryInfo (never
INTERNAL), health says which services are down, and everything recovers by itself when Redis
is back. A real redis-server of the test's own, SIGKILLed and restarted on the same socket."""

from __future__ import annotations

import asyncio

import grpc
import pytest
import redis
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from kiln.v1 import datasets_pb2, jobs_pb2
from kiln_server.platform.redis_embedded import EmbeddedRedis
from tests.e2e.conftest import sft_job

NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVING = health_pb2.HealthCheckResponse.SERVING


async def wait_health(gw, service: str, status: int, timeout_s: float = 15) -> None:
    stub = health_pb2_grpc.HealthStub(gw.channel)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        if reply.status == status:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{service} stayed {reply.status}"
        await asyncio.sleep(0.2)


def retry_info(err: grpc.aio.AioRpcError) -> error_details_pb2.RetryInfo | None:
    status = rpc_status.from_call(err)
    for d in status.details if status else []:
        if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            d.Unpack(info)
            return info
    return None


@pytest.fixture
def own_redis(tmp_path):
    """Servers started on one directory; stopped after the gateway (requested before it)."""
    started: list[EmbeddedRedis] = []

    def start() -> EmbeddedRedis:
        started.append(EmbeddedRedis(tmp_path / "own-redis"))
        started[-1].start()
        return started[-1]

    yield start
    for server in started:
        server.stop()


async def test_redis_down_is_unavailable_and_the_gateway_recovers(own_redis, gateway_factory):
    server = own_redis()
    url = server.url
    # Every write on disk before it is acknowledged: a SIGKILL then loses nothing the test wrote.
    redis.Redis(unix_socket_path=str(server.socket)).config_set("appendfsync", "always")
    gw = await gateway_factory(redis_url=url)
    t = await gw.tenant()
    await gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert server.process is not None
    server.process.kill()
    server.process.wait(timeout=10)
    calls = [
        lambda: gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md),
        lambda: gw.jobs.GetJob(jobs_pb2.GetJobRequest(name="jobs/j-000000000000"), metadata=t.md),
        lambda: gw.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job("datasets/d-000000000000")), metadata=t.md),
        # A key never seen before cannot be checked at all: UNAVAILABLE too, not UNAUTHENTICATED.
        lambda: gw.datasets.ListDatasets(
            datasets_pb2.ListDatasetsRequest(), metadata=(("authorization", "Bearer kiln_00000000_x"),)
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call()
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
        info = retry_info(err.value)
        assert info is not None and info.retry_delay.ToMilliseconds() > 0
    await wait_health(gw, "kiln.redis", NOT_SERVING)
    await wait_health(gw, "kiln.v1.JobService", NOT_SERVING)
    stub = health_pb2_grpc.HealthStub(gw.channel)
    for service in ("", "kiln.v1.SamplingService"):  # sampling works without Redis
        assert (await stub.Check(health_pb2.HealthCheckRequest(service=service))).status == SERVING
    # Back on the same socket with the same data: the gateway reconnects by itself.
    own_redis()
    await wait_health(gw, "kiln.v1.JobService", SERVING)
    await wait_health(gw, "kiln.redis", SERVING)
    assert not (await gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)).datasets
