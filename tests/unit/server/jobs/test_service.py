"""JobService's RPCs called in process (no gRPC, no Ray): create once, read, list, cancel, watch."""

from __future__ import annotations

import asyncio

import pytest

from kiln.v1 import jobs_pb2
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.service import JobService
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.jobs.store import JobStore
from kiln_server.models.ref import ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import tenant_var
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, NotFound
from tests.unit.server.records import add_dataset


@pytest.fixture
async def service(redis_client, keys, tmp_path) -> JobService:
    datasets = DatasetStore(redis_client, keys)
    await add_dataset(datasets, "d-sft", "sft")
    specs = JobSpecBuilder(
        datasets, ModelResolver(ModelStore(redis_client, keys)), ArtifactStore(str(tmp_path)), tmp_path, 2
    )
    tenant_var.set("t")
    return JobService(JobStore(redis_client, keys), specs, asyncio.Event())


def create(job: jobs_pb2.Job, request_id: str = "") -> jobs_pb2.CreateJobRequest:
    return jobs_pb2.CreateJobRequest(job=job, request_id=request_id)


def sft(max_steps: int = 2) -> jobs_pb2.Job:
    job = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", training_dataset="datasets/d-sft")
    job.hyperparameters.max_steps = max_steps
    job.state = jobs_pb2.JOB_STATE_SUCCEEDED  # output only: ignored
    return job


async def test_create_get_list_cancel_watch(service):
    job = await service.CreateJob(create(sft(), "r-1"), None)
    assert job.name.startswith("jobs/") and job.state == jobs_pb2.JOB_STATE_QUEUED and job.max_retries == 2
    assert job.display_name == "sft kiln-gpt-tiny" and job.hyperparameters.max_steps == 2 and job.create_time.seconds
    assert (await service.CreateJob(create(sft(), "r-1"), None)).name == job.name
    with pytest.raises(InvalidArgument) as err:
        await service.CreateJob(create(sft(3), "r-1"), None)
    assert err.value.violations[0].field == "request_id"
    assert await service.GetJob(jobs_pb2.GetJobRequest(name=job.name), None) == job
    listed = await service.ListJobs(jobs_pb2.ListJobsRequest(state=jobs_pb2.JOB_STATE_QUEUED), None)
    assert [j.name for j in listed.jobs] == [job.name]
    cancelled = await service.CancelJob(jobs_pb2.CancelJobRequest(name=job.name), None)
    assert cancelled.state == jobs_pb2.JOB_STATE_CANCELLED and cancelled.end_time.seconds
    with pytest.raises(FailedPrecondition):
        await service.CancelJob(jobs_pb2.CancelJobRequest(name=job.name), None)
    events = [e async for e in service.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), None)]
    assert [e.state_change.state for e in events] == [jobs_pb2.JOB_STATE_QUEUED, jobs_pb2.JOB_STATE_CANCELLED]
    assert (await service.ListCheckpoints(jobs_pb2.ListCheckpointsRequest(name=job.name), None)).checkpoints == []


async def test_names_of_other_tenants_and_bad_requests(service):
    job = await service.CreateJob(create(sft()), None)
    with pytest.raises(InvalidArgument):
        await service.CreateJob(create(sft(), "x" * 129), None)
    with pytest.raises(InvalidArgument):
        await service.GetJob(jobs_pb2.GetJobRequest(name="datasets/d-sft"), None)
    tenant_var.set("other")
    with pytest.raises(NotFound):
        await service.GetJob(jobs_pb2.GetJobRequest(name=job.name), None)
    with pytest.raises(NotFound):
        async for _ in service.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), None):
            pass


async def test_sweep_is_output_only_and_filters_the_list(service, redis_client, keys):
    """A client cannot make its job a sweep's trial; jobs a sweep created list under it."""
    mine = sft()
    mine.sweep = "sweeps/w-000000000001"
    job = await service.CreateJob(create(mine), None)
    assert job.sweep == ""
    from kiln_server.sweeps.trials import TrialJobs

    trials = TrialJobs(service.jobs, service.specs, ModelStore(redis_client, keys))
    trial = await trials.create("t", "w-000000000001", "lr sweep", 0, sft())
    assert trial.spec.sweep == "sweeps/w-000000000001" and trial.spec.display_name == "lr sweep · trial 0"
    again = await trials.create("t", "w-000000000001", "lr sweep", 0, sft())
    assert again.id == trial.id  # one job per (sweep, trial number)
    # Decode latency is measured only for a sweep judged on it (the trainer skips it otherwise).
    assert trial.payload.config["measure_decode_latency"] is False
    timed = await trials.create("t", "w-000000000001", "lr sweep", 1, sft(), frozenset({"decode_ms_per_token"}))
    assert timed.payload.config["measure_decode_latency"] is True
    listed = await service.ListJobs(jobs_pb2.ListJobsRequest(sweep="sweeps/w-000000000001"), None)
    assert sorted(j.name for j in listed.jobs) == sorted([f"jobs/{trial.id}", f"jobs/{timed.id}"])
    assert listed.jobs[0].sweep == "sweeps/w-000000000001"
    everything = await service.ListJobs(jobs_pb2.ListJobsRequest(), None)
    assert len(everything.jobs) == 3
