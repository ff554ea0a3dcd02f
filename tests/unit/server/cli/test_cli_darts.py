"""`kiln jobs create --method darts`: DartsConfig's options, a list of operations and the
genotype source by their short names, reach CreateJob as Job.darts with no base model."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kiln.v1 import darts_pb2, jobs_pb2
from kiln_server.cli import app
from tests.unit.clients.python.fake_gateway import fake_gateway, unary

runner = CliRunner()
SEEN: list[jobs_pb2.CreateJobRequest] = []


def _create_job(request, context):
    SEEN.append(request)
    return jobs_pb2.Job(name="jobs/j-1", display_name="darts datasets/digits", state=jobs_pb2.JOB_STATE_QUEUED)


@pytest.fixture(scope="module")
def target():
    services = {"kiln.v1.JobService": {"CreateJob": unary(_create_job, jobs_pb2.CreateJobRequest, jobs_pb2.Job)}}
    with fake_gateway(services) as target:
        yield target


def test_darts_options_reach_create_job(target):
    args = ["--target", target, "--api-key", "k", "jobs", "create", "--method", "darts"]
    args += ["--dataset", "datasets/digits", "-o", "search_steps=20", "-o", 'operations=["conv_3x3", "skip"]']
    args += ["-o", "genotype_source=searched", "--hp", "seed=3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    job = SEEN[-1].job
    assert job.method == jobs_pb2.JOB_METHOD_DARTS and job.base_model == "" and job.hyperparameters.seed == 3
    assert job.darts == darts_pb2.DartsConfig(
        search_steps=20,
        operations=[darts_pb2.DARTS_OPERATION_CONV_3X3, darts_pb2.DARTS_OPERATION_SKIP],
        genotype_source=darts_pb2.GENOTYPE_SOURCE_SEARCHED,
    )
    bad = runner.invoke(app, [*args[:10], "-o", 'operations=["conv_9x9"]'])
    assert bad.exit_code != 0 and "conv_9x9" in bad.output
