"""Training techniques over gRPC: a job with a non-default optimizer, schedule, regularizer,
curriculum and augmentation runs to success and names them in its events; bad combinations are INVALID_ARGUMENT at their
field, and no job is created."""

from __future__ import annotations

import grpc
import pytest

from kiln.v1 import jobs_pb2
from tests.e2e.conftest import demo_records, field_violations, sft_job, watch_until_done

pytestmark = pytest.mark.slow


async def test_a_job_with_sgd_nesterov_a_step_schedule_a_curriculum_and_augmentation(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(200))
    job = sft_job(ds.name, max_steps=12, eval_every=6, log_every=2, warmup_steps=2, learning_rate=0.05)
    hp = job.hyperparameters
    hp.optimizer.CopyFrom(jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_SGD, momentum=0.9, nesterov=True))
    hp.lr_schedule.CopyFrom(jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_STEP, step_size=4, gamma=0.5))
    hp.regularization.label_smoothing = 0.1
    hp.curriculum.CopyFrom(jobs_pb2.CurriculumOptions(order=jobs_pb2.CURRICULUM_ORDER_LENGTH, start_share=0.5))
    hp.augmentation.swap_prob = 0.1
    created = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    events = await watch_until_done(gateway, t, created.name, timeout=120)
    states = [e.state_change.state for e in events if e.HasField("state_change")]
    assert states[-1] == jobs_pb2.JOB_STATE_SUCCEEDED
    logs = [e.log.message for e in events if e.HasField("log")]
    assert (
        "optimizer sgd (momentum=0.9, nesterov=True); lr 0.05, schedule step, warmup 2; "
        "regularization label_smoothing=0.1"
    ) in logs
    assert any(m.startswith("curriculum by length, easiest first: 50% of the data") for m in logs)
    assert any(m.startswith("augmentation of prompt tokens: mask 0, span deletion 0, adjacent swap 0.1") for m in logs)
    shares = [e.metrics.values["curriculum_share"] for e in events if "curriculum_share" in e.metrics.values]
    assert shares[0] < shares[-1] == 1.0  # the admitted share grows to all data
    lrs = {e.metrics.step: e.metrics.values["lr"] for e in events if e.HasField("metrics") and "lr" in e.metrics.values}
    # Warmup 2, then 0.05 halved every 4 steps; a report at step s shows the lr of step s - 1.
    assert lrs[2] == pytest.approx(0.05) and lrs[8] == pytest.approx(0.025) and lrs[12] == pytest.approx(0.0125)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda hp: (
                hp.optimizer.CopyFrom(jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_LBFGS)),
                setattr(hp, "grad_accum_steps", 2),
            ),
            "job.hyperparameters.grad_accum_steps",
        ),
        (
            lambda hp: hp.lr_schedule.CopyFrom(
                jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_STEP, gamma=2.0)
            ),
            "job.hyperparameters.lr_schedule.gamma",
        ),
        (
            lambda hp: hp.optimizer.CopyFrom(
                jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_SGD, nesterov=True)
            ),
            "job.hyperparameters.optimizer.nesterov",
        ),
    ],
)
async def test_bad_combinations_are_invalid_argument_and_create_nothing(gateway, change, field):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(20))
    job = sft_job(ds.name)
    change(job.hyperparameters)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]
    listed = await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)
    assert list(listed.jobs) == []
