"""`kiln jobs create --hp`: any Hyperparameters field, nested messages included, reaches CreateJob."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kiln.v1 import common_pb2, jobs_pb2
from kiln_server.cli import app
from tests.unit.clients.python.fake_gateway import fake_gateway, unary

runner = CliRunner()
SEEN: list[jobs_pb2.CreateJobRequest] = []


def _create_job(request, context):
    SEEN.append(request)
    return jobs_pb2.Job(name="jobs/j-1", display_name="sft kiln-gpt-tiny", state=jobs_pb2.JOB_STATE_QUEUED)


@pytest.fixture(scope="module")
def target():
    services = {"kiln.v1.JobService": {"CreateJob": unary(_create_job, jobs_pb2.CreateJobRequest, jobs_pb2.Job)}}
    with fake_gateway(services) as target:
        yield target


def test_hp_sets_nested_hyperparameters_like_the_optimizer_and_schedule(target):
    args = ["--target", target, "--api-key", "k", "jobs", "create", "--base-model", "kiln-gpt-tiny"]
    args += ["--dataset", "datasets/d-1", "--max-steps", "5"]
    args += ["--hp", 'optimizer={"kind": "sgd", "momentum": 0.9, "nesterov": true}']
    args += ["--hp", 'lr_schedule={"kind": "one_cycle", "pct_start": 0.2}', "--hp", "warmup_steps=0"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    hp = SEEN[-1].job.hyperparameters
    assert hp.max_steps == 5 and hp.warmup_steps == 0 and hp.HasField("warmup_steps")
    assert hp.optimizer == jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_SGD, momentum=0.9, nesterov=True)
    assert hp.lr_schedule.kind == jobs_pb2.LR_SCHEDULE_KIND_ONE_CYCLE and hp.lr_schedule.pct_start == 0.2
    bad = runner.invoke(app, [*args[:10], "--hp", "optimizer"])
    assert bad.exit_code == 2 and "--hp wants KEY=VALUE" in bad.output


def test_sharding_reaches_the_job_resources(target):
    args = ["--target", target, "--api-key", "k", "jobs", "create", "--base-model", "kiln-gpt-tiny"]
    args += ["--dataset", "datasets/d-1", "--workers", "2", "--sharding", "fsdp"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    resources = SEEN[-1].job.resources
    assert resources.workers == 2 and resources.sharding == common_pb2.SHARDING_STRATEGY_FSDP
