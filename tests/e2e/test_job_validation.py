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
        (
            lambda j: j.hyperparameters.__setattr__("validation_fraction", 0.9),
            "job.hyperparameters.validation_fraction",
        ),
        (lambda j: j.hyperparameters.__setattr__("max_seq_len", 100000), "job.hyperparameters.max_seq_len"),
        (
            lambda j: (
                j.hyperparameters.__setattr__("precision", jobs_pb2.PRECISION_FP16),
                j.hyperparameters.optimizer.__setattr__("kind", jobs_pb2.OPTIMIZER_KIND_LBFGS),
            ),
            "job.hyperparameters.precision",
        ),
        (lambda j: j.sft.lora.__setattr__("dropout", 1.5), "job.sft.lora.dropout"),
        (lambda j: j.resources.__setattr__("workers", 1000), "job.resources.workers"),
        (lambda j: j.__setattr__("max_retries", 99), "job.max_retries"),
        (lambda j: j.__setattr__("method", jobs_pb2.JOB_METHOD_UNSPECIFIED), "job.method"),
        (lambda j: j.__setattr__("training_dataset", ""), "job.training_dataset"),
        (lambda j: j.__setattr__("training_dataset", "jobs/x"), "job.training_dataset"),
        (lambda j: j.dpo.__setattr__("beta", 0.1), "job.dpo"),
        # Architecture of a built-in model: ranges, divisibility, and only where it applies.
        (lambda j: j.architecture.__setattr__("d_model", 102), "job.architecture.d_model"),
        (lambda j: j.architecture.__setattr__("n_heads", 3), "job.architecture.n_heads"),
        (lambda j: j.architecture.__setattr__("n_layers", 0), "job.architecture.n_layers"),
        (lambda j: j.architecture.__setattr__("n_layers", 99), "job.architecture.n_layers"),
        (
            lambda j: (j.__setattr__("method", jobs_pb2.JOB_METHOD_DISTILL), j.architecture.__setattr__("n_layers", 2)),
            "job.architecture",
        ),
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
    for job in (
        sft_job(ds.name, base_model="gpt-17-ultra"),
        sft_job(ds.name, base_model="models/m-000000000000"),
        sft_job("datasets/d-000000000000"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND, err.value.details()
    assert await _no_jobs(gateway, t)


async def test_dataset_of_the_wrong_format(gateway):
    t = await gateway.tenant()
    prefs = await gateway.upload(
        t, b'{"prompt": "p", "chosen": "a", "rejected": "b"}\n', fmt=datasets_pb2.DATASET_FORMAT_PREFERENCE
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(prefs.name)), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value)[0][0] == "job.training_dataset"


async def _prefs(gateway, t):
    return await gateway.upload(
        t, b'{"prompt": "p", "chosen": "a", "rejected": "b"}\n', fmt=datasets_pb2.DATASET_FORMAT_PREFERENCE
    )


def _job(method, dataset, **oneof):
    job = jobs_pb2.Job(method=method, base_model="kiln-gpt-tiny", training_dataset=dataset, **oneof)
    job.hyperparameters.max_steps = 2
    return job


async def _rejected(gateway, t, job, code=grpc.StatusCode.INVALID_ARGUMENT):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == code, err.value.details()
    assert await _no_jobs(gateway, t)
    return field_violations(err.value)


async def test_rlhf_methods_check_their_own_inputs(gateway, tenant_with_data):
    t, sft_ds = tenant_with_data
    prefs = await _prefs(gateway, t)
    # Each method trains on its own dataset format.
    v = await _rejected(gateway, t, _job(jobs_pb2.JOB_METHOD_DPO, sft_ds.name))
    assert v[0][0] == "job.training_dataset" and "DATASET_FORMAT_PREFERENCE" in v[0][1]
    # The per-method message must match the method.
    v = await _rejected(gateway, t, _job(jobs_pb2.JOB_METHOD_DPO, prefs.name, ppo=jobs_pb2.PpoConfig()))
    assert v[0][0] == "job.ppo"
    # Pairwise trainers run in one process.
    job = _job(jobs_pb2.JOB_METHOD_REWARD_MODEL, prefs.name)
    job.resources.workers = 2
    assert (await _rejected(gateway, t, job))[0][0] == "job.resources.workers"
    # Method options are validated by the trainer's config, reported at their proto path.
    job = _job(jobs_pb2.JOB_METHOD_DPO, prefs.name, dpo=jobs_pb2.DpoConfig(beta=-1.0))
    assert (await _rejected(gateway, t, job))[0][0] == "job.dpo.beta"
    # A hyperparameter the method does not use is refused rather than silently ignored.
    job = _job(jobs_pb2.JOB_METHOD_DPO, prefs.name)
    job.hyperparameters.grad_accum_steps = 4
    assert (await _rejected(gateway, t, job))[0][0] == "job.hyperparameters.grad_accum_steps"
    # A referenced model must exist.
    job = _job(jobs_pb2.JOB_METHOD_DPO, prefs.name, dpo=jobs_pb2.DpoConfig(reference_model="models/nope"))
    await _rejected(gateway, t, job, grpc.StatusCode.NOT_FOUND)


async def test_ppo_needs_a_prompt_set_and_one_reward_source(gateway):
    t = await gateway.tenant()
    prompts = await gateway.upload(t, b'{"prompt": "p"}\n', fmt=datasets_pb2.DATASET_FORMAT_PROMPTS)
    v = await _rejected(gateway, t, _job(jobs_pb2.JOB_METHOD_PPO, prompts.name, ppo=jobs_pb2.PpoConfig()))
    assert v[0][0] == "job.ppo.reward.reward_model"
    job = _job(
        jobs_pb2.JOB_METHOD_PPO,
        prompts.name,
        ppo=jobs_pb2.PpoConfig(reward=jobs_pb2.RewardSource(scoring_function="length"), clip_range=-0.5),
    )
    assert (await _rejected(gateway, t, job))[0][0] == "job.ppo.clip_range"


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
