"""DARTS jobs through CreateJob's spec builder: DartsConfig's options (a repeated enum among
them) reach the trainer config, the built-in digits' held-out split is set for scoring, bad
settings are INVALID_ARGUMENT at the field the client set; a sweep may search darts.* fields and
judge trials on what DARTS reports."""

from __future__ import annotations

import pytest

from kiln.v1 import darts_pb2, jobs_pb2, sweeps_pb2
from kiln_server.sweeps.metrics import final_metrics, step_metrics
from kiln_server.sweeps.space import build_space
from tests.unit.server.jobs import test_spec
from tests.unit.server.jobs.test_spec import violation

env = test_spec.env  # the spec builder against real stores (a fixture)
D = darts_pb2


def darts(**kw) -> jobs_pb2.Job:
    return jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_DARTS, training_dataset="datasets/digits", darts=D.DartsConfig(**kw))


async def test_darts_options_reach_the_config(env):
    builder, *_ = env
    job = darts(
        search_steps=7,
        cell_nodes=4,
        operations=[D.DARTS_OPERATION_CONV_5X5, D.DARTS_OPERATION_SKIP],
        genotype_source=D.GENOTYPE_SOURCE_SEARCHED,
    )
    spec = await builder.build(job, "t")
    c = spec.config
    assert c["search_steps"] == 7 and c["cell_nodes"] == 4 and c["operations"] == ["conv_5x5", "skip"]
    assert c["genotype_source"] == "searched" and c["heldout_dataset"] == "digits" and spec.method == "darts"
    random = (await builder.build(darts(genotype_source=D.GENOTYPE_SOURCE_RANDOM), "t")).config
    assert random["genotype_source"] == "random" and random["search_steps"] is None and random["operations"] is None


@pytest.mark.parametrize(
    ("job", "path"),
    [
        (darts(cell_nodes=0), "job.darts.cell_nodes"),
        (darts(edges_per_node=7), "job.darts.edges_per_node"),
        (darts(layers=0), "job.darts.layers"),
        (darts(retrain_steps=0), "job.darts.retrain_steps"),
        (darts(operations=[D.DARTS_OPERATION_ZERO]), "job.darts.operations"),
        (darts(operations=[D.DARTS_OPERATION_UNSPECIFIED]), "job.darts.operations"),
        (darts(operations=[99]), "job.darts.operations"),
        (darts(genotype_source=99), "job.darts.genotype_source"),
        (darts(arch_weight_decay=-0.1), "job.darts.arch_weight_decay"),
        (darts(resolution=10), "job.darts.resolution"),
        (jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_DARTS, training_dataset="datasets/digits", vae={}), "job.vae"),
    ],
)
async def test_bad_darts_settings_name_the_field(env, job, path):
    builder, *_ = env
    assert await violation(builder, job) == path


async def test_epochs_and_max_steps_are_refused(env):
    builder, *_ = env
    job = darts()
    job.hyperparameters.epochs = 3
    assert await violation(builder, job) == "job.hyperparameters.epochs"


def test_a_sweep_searches_darts_fields_and_judges_on_its_metrics():
    params = [
        sweeps_pb2.SearchParameter(target="darts.channels", int_range=sweeps_pb2.IntRange(low=4, high=16)),
        sweeps_pb2.SearchParameter(
            target="darts.genotype_source", categorical=sweeps_pb2.Categorical(values=["SEARCHED", "RANDOM"])
        ),
    ]
    space, violations = build_space(params, "darts")
    assert not violations and [p.target for p in space.parameters] == ["darts.channels", "darts.genotype_source"]
    _, bad = build_space([sweeps_pb2.SearchParameter(target="darts.operations", int_range={})], "darts")
    assert bad and bad[0].field == "sweep.parameters[0].target"  # a list is not searchable
    assert {"val_accuracy", "test_accuracy", "parameter_count"} <= final_metrics("darts")
    assert "val_loss" in step_metrics("darts")
