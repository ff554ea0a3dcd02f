"""CreateJob's error paths: each bad input gets its precise code and field, and no job is left."""

from __future__ import annotations

import grpc
import pytest
from kiln.v1 import datasets_pb2, jobs_pb2

from tests.e2e.conftest import demo_records, field_violations, sft_job


async def _no_jobs(gateway, t) -> bool:
    return not (await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)).jobs


@pytest.fixture
async def tenant_with_data(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(30))
    return t, ds


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda j: j.hyperparameters.__setattr__("learning_rate", -0.1), "job.hyperparameters.learning_rate"),
        (lambda j: j.hyperparameters.__setattr__("batch_size", 0), "job.hyperparameters.batch_size"),
        (lambda j: j.hyperparameters.__setattr__("validation_fraction", 0.9), "job.hyperparameters.validation_fraction"),
        (lambda j: j.hyperparameters.__setattr__("max_seq_len", 100000), "job.hyperparameters.max_seq_len"),
        (lambda j: j.sft.lora.__setattr__("dropout", 1.5), "job.sft.lora.dropout"),
        (lambda j: j.resources.__setattr__("workers", 1000), "job.resources.workers"),
        (lambda j: j.__setattr__("max_retries", 99), "job.max_retries"),
        (lambda j: j.__setattr__("method", jobs_pb2.JOB_METHOD_UNSPECIFIED), "job.method"),
        (lambda j: j.__setattr__("training_dataset", ""), "job.training_dataset"),
        (lambda j: j.__setattr__("training_dataset", "jobs/x"), "job.training_dataset"),
        (lambda j: j.dpo.__setattr__("beta", 0.1), "job.dpo"),
    ],
)
async def test_invalid_argument_names_the_field(gateway, tenant_with_data, mutate, field):
    t, ds = tenant_with_data
    job = sft_job(ds.name)
    mutate(job)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert field in [f for f, _ in field_violations(err.value)], field_violations(err.value)
    assert await _no_jobs(gateway, t)


async def test_unknown_base_model_and_dataset_are_not_found(gateway, tenant_with_data):
    t, ds = tenant_with_data
    for job in (sft_job(ds.name, base_model="gpt-17-ultra"), sft_job(ds.name, base_model="models/m-000000000000"),
                sft_job(ds.name, base_model="/nonexistent/model"), sft_job("datasets/d-000000000000")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND, err.value.details()
    assert await _no_jobs(gateway, t)


async def test_dataset_of_the_wrong_format(gateway):
    t = await gateway.tenant()
    prefs = await gateway.upload(t, b'{"prompt": "p", "chosen": "a", "rejected": "b"}\n',
                                 fmt=datasets_pb2.DATASET_FORMAT_PREFERENCE)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(prefs.name)), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value)[0][0] == "job.training_dataset"


async def test_methods_not_built_yet_are_unimplemented(gateway, tenant_with_data):
    t, ds = tenant_with_data
    job = sft_job(ds.name)
    job.method = jobs_pb2.JOB_METHOD_PPO
    job.ppo.kl_coef = 0.1
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert await _no_jobs(gateway, t)


async def test_idempotent_create(gateway, tenant_with_data):
    t, ds = tenant_with_data
    job = sft_job(ds.name, max_steps=1)
    first = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job, request_id="r-1"), metadata=t.md)
    again = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job, request_id="r-1"), metadata=t.md)
    assert first.name == again.name
    assert len((await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)).jobs) == 1
    other = sft_job(ds.name, max_steps=2)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=other, request_id="r-1"), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value)[0][0] == "request_id"
    await gateway.jobs.CancelJob(jobs_pb2.CancelJobRequest(name=first.name), metadata=t.md)


async def test_bad_names_and_page_tokens(gateway):
    t = await gateway.tenant()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name="datasets/x"), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(page_token="not-a-token"), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value)[0][0] == "page_token"
