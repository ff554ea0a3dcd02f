"""Resources.sharding through CreateJob's spec builder: FSDP reaches the SFT trainer config as
"fsdp", and what it cannot run with is INVALID_ARGUMENT at the field the client set."""

from __future__ import annotations

import pytest

from kiln.v1 import common_pb2, jobs_pb2
from tests.unit.server.jobs import test_spec
from tests.unit.server.jobs.test_spec import method_job, sft, violation

env = test_spec.env  # the spec builder against real stores (a fixture)


def _fsdp(job: jobs_pb2.Job, workers: int = 2) -> jobs_pb2.Job:
    job.resources.workers = workers
    job.resources.sharding = common_pb2.SHARDING_STRATEGY_FSDP
    return job


async def test_sharding_reaches_the_sft_config(env):
    builder, names, *_ = env
    spec = await builder.build(_fsdp(sft(names["sft"], max_steps=4)), "t")
    assert spec.config["sharding"] == "fsdp" and spec.resources.workers == 2
    ddp = sft(names["sft"], max_steps=4)
    ddp.resources.workers = 2
    assert (await builder.build(ddp, "t")).config["sharding"] == "ddp"  # unset: the default
    ddp.resources.sharding = common_pb2.SHARDING_STRATEGY_DDP
    assert (await builder.build(ddp, "t")).config["sharding"] == "ddp"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda j: _fsdp(j, workers=1), "job.resources.sharding"),
        (lambda j: _fsdp(j, workers=0), "job.resources.sharding"),
        (lambda j: j.resources.__setattr__("sharding", 9), "job.resources.sharding"),
        (lambda j: _fsdp(j).sft.__setattr__("tuning", jobs_pb2.TUNING_LORA), "job.sft.tuning"),
        (
            lambda j: _fsdp(j).hyperparameters.optimizer.__setattr__("kind", jobs_pb2.OPTIMIZER_KIND_ADAFACTOR),
            "job.hyperparameters.optimizer.kind",
        ),
        (
            lambda j: _fsdp(j).hyperparameters.__setattr__("precision", jobs_pb2.PRECISION_FP16),
            "job.hyperparameters.precision",
        ),
        (
            lambda j: _fsdp(j).hyperparameters.regularization.__setattr__("spectral_norm", True),
            "job.hyperparameters.regularization.spectral_norm",
        ),
    ],
)
async def test_fsdp_refusals_name_the_field(env, mutate, field):
    builder, names, *_ = env
    job = sft(names["sft"], max_steps=4)
    mutate(job)
    assert await violation(builder, job) == field


async def test_fsdp_for_a_one_process_method_is_refused_at_workers(env):
    builder, names, *_ = env
    job = _fsdp(method_job(jobs_pb2.JOB_METHOD_DPO, names["preference"]))
    assert await violation(builder, job) == "job.resources.workers"
