"""Auth and tenancy over real gRPC: keys, health/reflection without keys, no cross-tenant access."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from kiln.v1 import datasets_pb2, jobs_pb2, models_pb2, sampling_pb2, sampling_pb2_grpc
from tests.e2e.conftest import demo_records, sft_job


async def test_missing_and_wrong_key_are_unauthenticated(gateway):
    req = datasets_pb2.ListDatasetsRequest()
    for md in [(), (("authorization", "Bearer kiln_nope_nope"),), (("authorization", "Basic abc"),)]:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await gateway.datasets.ListDatasets(req, metadata=md)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_revoked_key_stops_working(gateway):
    t = await gateway.tenant()
    await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    key_id = t.key.split("_")[1]
    assert await gateway.server.tenants.revoke_key(t.name, key_id)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_health_and_reflection_need_no_key(gateway):
    health = health_pb2_grpc.HealthStub(gateway.channel)
    for service in ("", "kiln.v1.JobService", "kiln.v1.SamplingService"):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    refl = reflection_pb2_grpc.ServerReflectionStub(gateway.channel)

    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    async for reply in refl.ServerReflectionInfo(ask()):
        names = {s.name for s in reply.list_services_response.service}
        assert {
            "kiln.v1.JobService",
            "kiln.v1.DatasetService",
            "kiln.v1.ModelService",
            "kiln.v1.SamplingService",
            "kiln.v1.EvaluationService",
            "kiln.v1.FeedbackService",
            "grpc.health.v1.Health",
        } <= names


async def test_sampling_needs_a_key_like_every_service(gateway):
    stub = sampling_pb2_grpc.SamplingServiceStub(gateway.channel)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Generate(sampling_pb2.GenerateRequest(model="kiln-gpt-tiny", prompt="hi"))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in stub.GenerateStream(
            sampling_pb2.GenerateRequest(model="kiln-gpt-tiny", prompt="hi"),
            metadata=(("authorization", "Bearer kiln_nope_nope"),),
        ):
            pass
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_tenants_cannot_see_each_other(gateway):
    a, b = await gateway.tenant(), await gateway.tenant()
    ds = await gateway.upload(a, demo_records(50))
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=1)), metadata=a.md)
    calls = [
        gateway.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=ds.name), metadata=b.md),
        gateway.datasets.DeleteDataset(datasets_pb2.DeleteDatasetRequest(name=ds.name), metadata=b.md),
        gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=b.md),
        gateway.jobs.CancelJob(jobs_pb2.CancelJobRequest(name=job.name), metadata=b.md),
        gateway.jobs.ListCheckpoints(jobs_pb2.ListCheckpointsRequest(name=job.name), metadata=b.md),
        # B cannot train on A's dataset either.
        gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(ds.name)), metadata=b.md),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in gateway.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=b.md):
            pass
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert not (await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=b.md)).datasets
    assert not (await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=b.md)).jobs
    assert not (await gateway.models.ListModels(models_pb2.ListModelsRequest(), metadata=b.md)).models
    # A still sees its own.
    assert (await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=a.md)).name == job.name
    await gateway.jobs.CancelJob(jobs_pb2.CancelJobRequest(name=job.name), metadata=a.md)
