"""DeployModel against what the Ray cluster can hold, over real gRPC and real Ray Serve: replicas
that can never be placed fail at once, a busy cluster shows PENDING and then RESOURCE_EXHAUSTED,
and UndeployModel ends a pending deploy with ABORTED. The cluster is made busy for real, by a
placement group holding every free CPU."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time

import grpc
import pytest
import ray
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from ray.util.placement_group import placement_group, remove_placement_group

from kiln.v1 import models_pb2

pytestmark = pytest.mark.slow

MODEL = "kiln-gpt-tiny"
RAY_SERVE = models_pb2.DEPLOYMENT_TARGET_RAY_SERVE


def deploy_req(**kw) -> models_pb2.DeployModelRequest:
    return models_pb2.DeployModelRequest(name=MODEL, target=RAY_SERVE, **kw)


@contextlib.contextmanager
def busy_cluster():
    """Holds every whole free CPU of the test cluster until the block ends."""
    free = math.floor(ray.available_resources().get("CPU", 0.0))
    pg = None
    if free >= 1:
        pg = placement_group([{"CPU": 1.0}] * free)
        ray.get(pg.ready(), timeout=20)
    try:
        assert ray.available_resources().get("CPU", 0.0) < 1.0
        yield
    finally:
        if pg is not None:
            remove_placement_group(pg)


def quota_subjects(err: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(err)
    out = []
    for d in status.details if status else []:
        if d.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            qf = error_details_pb2.QuotaFailure()
            d.Unpack(qf)
            out += [v.subject for v in qf.violations]
    return out


async def deployment(gw, t) -> models_pb2.Deployment | None:
    model = await gw.models.GetModel(models_pb2.GetModelRequest(name=MODEL), metadata=t.md)
    return model.deployment if model.HasField("deployment") else None


async def wait_state(gw, t, state: str, timeout_s: float = 10) -> models_pb2.Deployment:
    deadline = time.monotonic() + timeout_s
    while True:
        dep = await deployment(gw, t)
        if dep is not None and dep.state == state:
            return dep
        assert time.monotonic() < deadline, f"deployment stayed {dep}"
        await asyncio.sleep(0.1)


async def test_more_replicas_than_the_cluster_holds_fail_at_once(gateway_factory):
    # 3 CPUs a replica on a 4-CPU cluster: one fits, two never will.
    gw = await gateway_factory(serve_replica_cpus=3)
    t = await gw.tenant()
    start = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gw.models.DeployModel(deploy_req(replicas=2), metadata=t.md, timeout=20)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION, err.value.details()
    assert "2 replicas" in (err.value.details() or "") and "at most 1" in (err.value.details() or "")
    assert time.monotonic() - start < 5
    assert await deployment(gw, t) is None  # nothing recorded
    # Autoscaling starts at min_replicas: the same check applies to where it starts.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gw.models.DeployModel(deploy_req(min_replicas=2, max_replicas=3), metadata=t.md, timeout=20)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_busy_cluster_is_pending_then_resource_exhausted(gateway_factory):
    gw = await gateway_factory(deploy_pending_timeout_s=2.0)
    t = await gw.tenant()
    with busy_cluster():
        call = asyncio.ensure_future(gw.models.DeployModel(deploy_req(), metadata=t.md, timeout=60))
        dep = await wait_state(gw, t, "PENDING")
        assert "1 replicas asked for, 0 fit now" in dep.message
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err.value.details()
    assert quota_subjects(err.value) == ["cluster.resources"]
    assert await deployment(gw, t) is None  # removed: nothing half-deployed


async def test_undeploy_cancels_a_pending_deploy(gateway_factory):
    from ray import serve

    gw = await gateway_factory(deploy_pending_timeout_s=60)
    t = await gw.tenant()
    with busy_cluster():
        call = asyncio.ensure_future(gw.models.DeployModel(deploy_req(), metadata=t.md, timeout=30))
        await wait_state(gw, t, "PENDING")
        # A second caller with the same settings waits on the same deploy.
        again = asyncio.ensure_future(gw.models.DeployModel(deploy_req(), metadata=t.md, timeout=30))
        await asyncio.sleep(0.3)
        start = time.monotonic()
        await gw.models.UndeployModel(models_pb2.UndeployModelRequest(name=MODEL), metadata=t.md)
        for waiting in (call, again):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await waiting
            assert err.value.code() == grpc.StatusCode.ABORTED, err.value.details()
            assert "cancelled by UndeployModel" in (err.value.details() or "")
        # Within a few polls; the bound is loose for a loaded 2-core CI machine.
        assert time.monotonic() - start < 10
    assert await deployment(gw, t) is None
    apps = await asyncio.to_thread(lambda: list(serve.status().applications))
    assert not [a for a in apps if a.startswith(gw.config.redis_prefix)]


async def test_a_pending_deploy_goes_ready_when_room_frees(gateway_factory):
    from ray import serve

    gw = await gateway_factory(deploy_pending_timeout_s=60)
    t = await gw.tenant()
    try:
        with busy_cluster():
            call = asyncio.ensure_future(gw.models.DeployModel(deploy_req(), metadata=t.md, timeout=60))
            await wait_state(gw, t, "PENDING")
            # Other settings while one deploy is in flight: a precise refusal, not a second deploy.
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await gw.models.DeployModel(deploy_req(replicas=2), metadata=t.md, timeout=10)
            assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        model = await call
        assert model.deployment.state == "READY" and model.deployment.message == ""
    finally:
        prefix = gw.config.redis_prefix
        for app in await asyncio.to_thread(lambda: list(serve.status().applications)):
            if app.startswith(prefix):
                await asyncio.to_thread(serve.delete, app)
