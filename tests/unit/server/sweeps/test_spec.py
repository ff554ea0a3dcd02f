"""CreateSweep's validation against real stores: every bad sweep is INVALID_ARGUMENT naming the
field at fault; a good one becomes a plan that survives its JSON round trip."""

from __future__ import annotations

import json

import pytest

from kiln.v1 import jobs_pb2, sweeps_pb2
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.models.ref import ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import InvalidArgument
from kiln_server.sweeps.spec import SweepPlan, build_plan
from tests.unit.server.records import add_dataset

MIN, MAX = sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE, sweeps_pb2.OBJECTIVE_DIRECTION_MAXIMIZE


@pytest.fixture
async def specs(redis_client, keys, tmp_path):
    datasets = DatasetStore(redis_client, keys)
    await add_dataset(datasets, "d-sft", "sft")
    artifacts = ArtifactStore(str(tmp_path / "artifacts"))
    return JobSpecBuilder(datasets, ModelResolver(ModelStore(redis_client, keys)), artifacts, tmp_path / "s", 2)


def lr(low=1e-4, high=1e-2, log=True, step=0.0) -> sweeps_pb2.SearchParameter:
    return sweeps_pb2.SearchParameter(
        target="hyperparameters.learning_rate",
        float_range=sweeps_pb2.FloatRange(low=low, high=high, log=log, step=step),
    )


def cat(target: str, *values: str, **kw) -> sweeps_pb2.SearchParameter:
    return sweeps_pb2.SearchParameter(target=target, categorical=sweeps_pb2.Categorical(values=values), **kw)


def sweep(*params, objectives=(("val_loss", MIN),), **kw) -> sweeps_pb2.Sweep:
    template = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", training_dataset="datasets/d-sft"
    )
    values = dict(
        template=template,
        parameters=list(params) or [lr()],
        objectives=[sweeps_pb2.Objective(metric=m, direction=d) for m, d in objectives],
        budget=sweeps_pb2.SweepBudget(max_trials=8, max_concurrent_trials=2),
    )
    return sweeps_pb2.Sweep(**{**values, **kw})


def rank(low=2, high=16, **kw) -> sweeps_pb2.SearchParameter:
    return sweeps_pb2.SearchParameter(target="sft.lora.rank", int_range=sweeps_pb2.IntRange(low=low, high=high), **kw)


BAD_TEMPLATE = jobs_pb2.Job(
    method=jobs_pb2.JOB_METHOD_SFT,
    base_model="kiln-gpt-tiny",
    training_dataset="datasets/d-sft",
    hyperparameters=jobs_pb2.Hyperparameters(batch_size=0),
)
BAD = [
    ("unknown field", sweep(cat("hyperparameters.nope", "1")), "sweep.parameters[0].target"),
    ("not a tunable", sweep(cat("training_dataset", "x")), "sweep.parameters[0].target"),
    ("a message", sweep(cat("sft.lora", "x")), "sweep.parameters[0].target"),
    ("a list", sweep(cat("sft.lora.target_modules", "q")), "sweep.parameters[0].target"),
    ("other method", sweep(cat("dpo.beta", "0.1")), "sweep.parameters[0].target"),
    ("twice", sweep(lr(), lr()), "sweep.parameters[1].target"),
    ("no domain", sweep(sweeps_pb2.SearchParameter(target="hyperparameters.seed")), "sweep.parameters[0].domain"),
    ("inverted", sweep(lr(1e-2, 1e-4)), "sweep.parameters[0].float_range.high"),
    ("empty", sweep(lr(1e-3, 1e-3)), "sweep.parameters[0].float_range.high"),
    ("log low 0", sweep(lr(0.0, 1e-2)), "sweep.parameters[0].float_range.low"),
    ("log with step", sweep(lr(step=1e-3)), "sweep.parameters[0].float_range.step"),
    (
        "float on int",
        sweep(sweeps_pb2.SearchParameter(target="sft.lora.rank", float_range=sweeps_pb2.FloatRange(low=1, high=2))),
        "sweep.parameters[0].float_range",
    ),
    ("int inverted", sweep(rank(16, 2)), "sweep.parameters[0].int_range.high"),
    ("unsigned negative", sweep(rank(-4, 8)), "sweep.parameters[0].int_range.low"),
    ("no choices", sweep(cat("sft.tuning")), "sweep.parameters[0].categorical.values"),
    ("bad enum choice", sweep(cat("sft.tuning", "LORA", "QLORA")), "sweep.parameters[0].categorical.values[1]"),
    (
        "bad number choice",
        sweep(cat("hyperparameters.batch_size", "8", "big")),
        "sweep.parameters[0].categorical.values[1]",
    ),
    ("duplicate choices", sweep(cat("hyperparameters.batch_size", "8", "8")), "sweep.parameters[0].categorical.values"),
    # Ends of a domain the method's trainer config refuses, caught before any trial.
    ("lr reaching 0", sweep(lr(0.0, 1e-2, log=False)), "sweep.parameters[0].float_range.low"),
    ("batch 0 choice", sweep(cat("hyperparameters.batch_size", "4", "0")), "sweep.parameters[0].categorical.values[1]"),
    (
        "dropout 1",
        sweep(sweeps_pb2.SearchParameter(target="sft.lora.dropout", float_range=sweeps_pb2.FloatRange(low=0, high=1))),
        "sweep.parameters[0].float_range.high",
    ),
    (
        "condition on nothing",
        sweep(rank(condition=sweeps_pb2.Condition(parameter="sft.tuning", values=["LORA"]))),
        "sweep.parameters[0].condition.parameter",
    ),
    (
        "condition value",
        sweep(
            cat("sft.tuning", "FULL", "LORA"),
            rank(condition=sweeps_pb2.Condition(parameter="sft.tuning", values=["QLORA"])),
        ),
        "sweep.parameters[1].condition.values",
    ),
    (
        "no parameters",
        sweeps_pb2.Sweep(template=sweep().template, objectives=sweep().objectives, budget=sweep().budget),
        "sweep.parameters",
    ),
    ("budget 0", sweep(budget=sweeps_pb2.SweepBudget(max_trials=0)), "sweep.budget.max_trials"),
    (
        "concurrency > trials",
        sweep(budget=sweeps_pb2.SweepBudget(max_trials=2, max_concurrent_trials=3)),
        "sweep.budget.max_concurrent_trials",
    ),
    ("no objective", sweep(objectives=()), "sweep.objectives"),
    ("metric never reported", sweep(objectives=(("fid", MIN),)), "sweep.objectives[0].metric"),
    ("no direction", sweep(objectives=(("val_loss", 0),)), "sweep.objectives[0].direction"),
    ("same metric twice", sweep(objectives=(("val_loss", MIN), ("val_loss", MAX))), "sweep.objectives[1].metric"),
    ("nsga-ii one objective", sweep(algorithm=sweeps_pb2.SWEEP_ALGORITHM_NSGA_II), "sweep.algorithm"),
    (
        "cma-es two objectives",
        sweep(objectives=(("val_loss", MIN), ("wall_time_s", MIN)), algorithm=sweeps_pb2.SWEEP_ALGORITHM_CMA_ES),
        "sweep.algorithm",
    ),
    (
        "cma-es all categorical",
        sweep(cat("sft.tuning", "FULL", "LORA"), algorithm=sweeps_pb2.SWEEP_ALGORITHM_CMA_ES),
        "sweep.algorithm",
    ),
    (
        "grid without step",
        sweep(lr(log=False), algorithm=sweeps_pb2.SWEEP_ALGORITHM_GRID),
        "sweep.parameters[0].float_range.step",
    ),
    (
        "pruner, two objectives",
        sweep(objectives=(("val_loss", MIN), ("wall_time_s", MIN)), pruner=sweeps_pb2.SWEEP_PRUNER_MEDIAN),
        "sweep.pruner",
    ),
    (
        "pruner on a final metric",
        sweep(objectives=(("best_val_loss", MIN),), pruner=sweeps_pb2.SWEEP_PRUNER_SUCCESSIVE_HALVING),
        "sweep.pruner",
    ),
    ("bad template", sweep(template=BAD_TEMPLATE), "sweep.template.hyperparameters.batch_size"),
    ("no template", sweeps_pb2.Sweep(parameters=[lr()]), "sweep.template"),
]


@pytest.mark.parametrize(("what", "bad", "path"), BAD, ids=[b[0] for b in BAD])
async def test_a_bad_sweep_names_the_field(specs, what, bad, path):
    with pytest.raises(InvalidArgument) as err:
        await build_plan(bad, "t", specs)
    assert path in [v.field for v in err.value.violations], err.value.violations


async def test_a_good_sweep_becomes_a_plan_that_round_trips(specs):
    good = sweep(
        lr(),
        cat("sft.tuning", "FULL", "LORA"),
        rank(condition=sweeps_pb2.Condition(parameter="sft.tuning", values=["LORA"])),
        objectives=(("val_loss", MIN), ("parameter_count", MIN)),
        algorithm=sweeps_pb2.SWEEP_ALGORITHM_NSGA_II,
        seed=3,
    )
    plan = await build_plan(good, "t", specs)
    assert plan.method == "sft" and plan.algorithm == "nsga_ii" and plan.pruner == "none"
    assert [p.target for p in plan.space.parameters] == ["hyperparameters.learning_rate", "sft.tuning", "sft.lora.rank"]
    assert plan.space.parameters[2].condition_values == ("LORA",)
    assert [o.minimize for o in plan.objectives] == [True, True]
    assert (plan.max_trials, plan.max_concurrent, plan.seed) == (8, 2, 3)
    assert SweepPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


async def test_defaults_and_grid_budget(specs):
    plan = await build_plan(sweep(budget=sweeps_pb2.SweepBudget(max_trials=3)), "t", specs)
    assert (plan.algorithm, plan.pruner, plan.max_concurrent) == ("tpe", "none", 1)
    grid = sweep(
        lr(1e-3, 3e-3, log=False, step=1e-3),
        cat("sft.tuning", "FULL", "LORA"),
        algorithm=sweeps_pb2.SWEEP_ALGORITHM_GRID,
        budget=sweeps_pb2.SweepBudget(max_trials=100, max_concurrent_trials=2),
    )
    plan = await build_plan(grid, "t", specs)
    assert plan.max_trials == 6  # the grid's size, not the 100 asked for
    assert plan.space.grid() == {"hyperparameters.learning_rate": [1e-3, 2e-3, 3e-3], "sft.tuning": ["FULL", "LORA"]}
