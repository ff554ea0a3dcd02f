"""Fair-share dispatch and job admission (queued-jobs and GPU quotas, cluster capacity) on a
real Redis; the cluster's capacity is a fixed number here (no Ray)."""

from __future__ import annotations

import dataclasses

import pytest

from kiln_server.jobs.admission import FairQueue, JobAdmission
from kiln_server.jobs.spec import JobResources
from kiln_server.jobs.store import JobStore
from kiln_server.operations.record import State
from kiln_server.platform.errors import FailedPrecondition, ResourceExhausted
from kiln_server.tenants.quotas import Quotas, QuotaStore
from tests.unit.server.jobs.records import job_record, job_spec

DEFAULTS = Quotas(
    queued_jobs=3,
    running_jobs=2,
    gpus=4,
    deployments=1,
    replicas=1,
    sampling_requests_per_s=1,
    sampling_tokens_per_s=1,
)


class FixedCapacity:
    def __init__(self, gpus: int):
        self.gpus = gpus

    async def max_node_gpus(self) -> int | None:
        return self.gpus


async def add_job(jobs: JobStore, tenant: str, rid: str, gpus: int = 0) -> None:
    record = job_record(rid, tenant)
    record.payload = dataclasses.replace(job_spec(), resources=JobResources(gpus=gpus))
    await jobs.create(tenant, record, queue=True)


async def test_fair_pick_prefers_the_tenant_running_least(redis_client, keys):
    jobs = JobStore(redis_client, keys)
    quotas = QuotaStore(redis_client, keys, DEFAULTS)
    fair = FairQueue(jobs, quotas)
    for i in range(4):  # tenant a queues a burst first ...
        await add_job(jobs, "a", f"j-a{i}")
    await add_job(jobs, "b", "j-b0")  # ... then b one job
    # Oldest first while nobody runs: a's first job.
    assert await fair.pop() == ("a", "j-a0")
    await jobs.transition("a", "j-a0", (State.QUEUED,), State.RUNNING)
    # a runs one, b none: b's job jumps a's three older ones.
    assert await fair.pop() == ("b", "j-b0")
    await jobs.transition("b", "j-b0", (State.QUEUED,), State.RUNNING)
    assert await fair.pop() == ("a", "j-a1")
    await jobs.transition("a", "j-a1", (State.QUEUED,), State.RUNNING)
    # a is at its running_jobs quota (2): nothing of a's is picked until one ends.
    assert await fair.pop() is None
    await jobs.transition("a", "j-a0", (State.RUNNING,), State.SUCCEEDED)
    await jobs.forget_active("a", "j-a0")
    assert await fair.pop() == ("a", "j-a2")
    assert await redis_client.lrange(jobs.operation.queue_key(keys), 0, -1) == [b"a/j-a3"]


async def test_admission_quotas_and_capacity(redis_client, keys):
    jobs = JobStore(redis_client, keys)
    quotas = QuotaStore(redis_client, keys, DEFAULTS)
    admission = JobAdmission(jobs, quotas, FixedCapacity(2))  # type: ignore[arg-type]
    with pytest.raises(FailedPrecondition) as never:
        await admission.check("a", JobResources(gpus=3))
    assert never.value.subject == "job.resources.gpus"
    await add_job(jobs, "a", "j-1", gpus=2)
    await admission.check("a", JobResources(gpus=2))  # 2 held + 2 = the quota of 4
    await add_job(jobs, "a", "j-2", gpus=2)
    with pytest.raises(ResourceExhausted) as gpus:
        await admission.check("a", JobResources(gpus=1))
    assert gpus.value.subject == "quotas.gpus" and gpus.value.retry_after_s
    await admission.check("b", JobResources(gpus=1))  # another tenant's quota is its own
    await add_job(jobs, "a", "j-3")
    with pytest.raises(ResourceExhausted) as queued:
        await admission.check("a", JobResources())
    assert queued.value.subject == "quotas.queued_jobs"
    # Two workers of 2 GPUs each: 4, more than the whole quota of a fresh tenant? No: equal.
    await admission.check("c", JobResources(gpus=2, workers=2))
    await quotas.set("c", {"gpus": 3})
    with pytest.raises(ResourceExhausted) as never_fits:
        await admission.check("c", JobResources(gpus=2, workers=2))
    assert never_fits.value.retry_after_s is None
