"""The pure parts of a sweep: sampling a configuration (conditional parameters included),
writing it into the job template, and the Optuna study in Redis (reopened as after a restart,
best trial and Pareto front, importances, one sampler per algorithm)."""

from __future__ import annotations

import optuna
import pytest

from kiln.v1 import jobs_pb2
from kiln_server.sweeps import study as studies
from kiln_server.sweeps.space import Parameter, SearchSpace
from kiln_server.sweeps.spec import Objective, SweepPlan

LR = Parameter("hyperparameters.learning_rate", "float", "float", 1e-4, 1e-2, log=True)
TUNING = Parameter("sft.tuning", "categorical", "enum", choices=("FULL", "LORA"))
RANK = Parameter("sft.lora.rank", "int", "int", 2, 16, condition_parameter="sft.tuning", condition_values=("LORA",))
SPACE = SearchSpace([LR, TUNING, RANK])


def plan(algorithm="tpe", objectives=(True,), space=SPACE, **kw) -> SweepPlan:
    values = dict(
        method="sft",
        space=space,
        objectives=[Objective(f"m{i}", minimize) for i, minimize in enumerate(objectives)],
        algorithm=algorithm,
        pruner="none",
        max_trials=12,
        max_concurrent=1,
        max_wall_time_s=0.0,
        seed=1,
    )
    return SweepPlan(**{**values, **kw})


def test_conditional_parameters_are_sampled_only_when_their_condition_holds():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(12):
        trial = study.ask()
        values = SPACE.sample(trial)
        assert 1e-4 <= values["hyperparameters.learning_rate"] <= 1e-2
        assert ("sft.lora.rank" in values) == (values["sft.tuning"] == "LORA")
        seen.add(values["sft.tuning"])
        study.tell(trial, 1.0)
    assert seen == {"FULL", "LORA"}


def test_a_configuration_is_written_into_a_copy_of_the_template():
    template = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny")
    job = SPACE.apply(template, {"hyperparameters.learning_rate": 3e-3, "sft.tuning": "LORA", "sft.lora.rank": 8})
    assert job.hyperparameters.learning_rate == 3e-3
    assert job.sft.tuning == jobs_pb2.TUNING_LORA and job.sft.lora.rank == 8
    assert job.base_model == "kiln-gpt-tiny" and not template.HasField("sft")  # the template is untouched


def test_grid_values():
    assert Parameter("x", "float", "float", 0.1, 0.35, step=0.1).grid() == [0.1, 0.2, 0.3]
    assert Parameter("x", "int", "int", 2, 8, step=3).grid() == [2, 5, 8]


def test_the_study_in_redis_survives_reopening(redis_url, keys):
    p = plan(space=SearchSpace([LR]))
    prefix = keys.sweep_study("t", "w-1")
    first = studies.open_study(p, redis_url, prefix)
    trials = [first.ask() for _ in range(3)]
    values = [SearchSpace([LR]).sample(t) for t in trials]
    first.tell(trials[0], 0.5)
    first.tell(trials[1], 0.2)
    # A new gateway opens the same study: finished trials stay finished, the running one runs.
    again = studies.open_study(p, redis_url, prefix)
    assert [t.state for t in again.trials] == [
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.RUNNING,
    ]
    assert again.trials[2].params == {"hyperparameters.learning_rate": values[2]["hyperparameters.learning_rate"]}
    handle = studies.handle(again, 2)
    handle.report(0.3, step=5)
    again.tell(2, 0.1)
    assert studies.best_numbers(again) == [2]
    assert studies.running_numbers(again) == []
    other = studies.open_study(p, redis_url, keys.sweep_study("t", "w-2"))
    assert other.trials == []  # each sweep has its own journal


def test_several_objectives_give_the_pareto_front(redis_url, keys):
    p = plan(objectives=(True, True), space=SearchSpace([LR]))
    study = studies.open_study(p, redis_url, keys.sweep_study("t", "w-pareto"))
    for v in [(1.0, 5.0), (2.0, 2.0), (3.0, 3.0), (5.0, 1.0)]:
        trial = study.ask()
        SearchSpace([LR]).sample(trial)
        study.tell(trial, v)
    assert studies.best_numbers(study) == [0, 1, 3]  # (3, 3) is dominated by (2, 2)


@pytest.mark.slow  # optuna.importance imports scikit-learn: ~10 s on a loaded 2-core machine
def test_importances_need_two_parameters_and_three_finished_trials():
    space = SearchSpace([LR, Parameter("hyperparameters.weight_decay", "float", "float", 0.0, 0.1)])
    p = plan(space=space)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for i in range(8):
        trial = study.ask()
        values = space.sample(trial)
        if i < 3:
            assert studies.importances(study, p) == {}
        study.tell(trial, values["hyperparameters.learning_rate"] * 100 + values["hyperparameters.weight_decay"] * 0.01)
    found = studies.importances(study, p)
    assert set(found) == {"hyperparameters.learning_rate", "hyperparameters.weight_decay"}
    assert found["hyperparameters.learning_rate"] > found["hyperparameters.weight_decay"]
    assert studies.importances(study, plan(space=SearchSpace([LR]))) == {}


@pytest.mark.parametrize(
    ("algorithm", "sampler"),
    [
        ("random", optuna.samplers.RandomSampler),
        ("grid", optuna.samplers.GridSampler),
        ("tpe", optuna.samplers.TPESampler),
        ("gp", optuna.samplers.GPSampler),
        ("cma_es", optuna.samplers.CmaEsSampler),
        ("nsga_ii", optuna.samplers.NSGAIISampler),
    ],
)
def test_each_algorithm_is_optunas_sampler(algorithm, sampler):
    space = SearchSpace([Parameter("hyperparameters.learning_rate", "float", "float", 1e-3, 3e-3, step=1e-3)])
    assert isinstance(studies.sampler_of(plan(algorithm, space=space)), sampler)


@pytest.mark.parametrize(
    ("pruner", "kind"),
    [
        ("none", optuna.pruners.NopPruner),
        ("successive_halving", optuna.pruners.SuccessiveHalvingPruner),
        ("hyperband", optuna.pruners.HyperbandPruner),
        ("median", optuna.pruners.MedianPruner),
    ],
)
def test_each_pruner_is_optunas(pruner, kind):
    assert isinstance(studies.pruner_of(plan(pruner=pruner)), kind)


def test_the_pareto_plot_is_a_png(tmp_path):
    from kiln_server.sweeps.plots import plot_pareto
    from kiln_server.sweeps.record import TrialRecord, TrialState

    trials = [
        TrialRecord(number=i, params={}, state=TrialState.SUCCEEDED, values=list(v))
        for i, v in enumerate([(1.0, 5.0), (2.0, 2.0), (3.0, 3.0)])
    ]
    path = plot_pareto(
        trials, [Objective("val_loss", True), Objective("wall_time_s", True)], [0, 1], tmp_path / "p.png"
    )
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_grid_sweep_tells_its_last_point_under_ask_tell():
    """GridSampler stops the study after its last point, which raises outside optimize(): the
    last trial's result was lost and the sweep's driver failed."""
    space = SearchSpace([Parameter("hyperparameters.learning_rate", "float", "float", 1e-3, 3e-3, step=1e-3)])
    study = optuna.create_study(sampler=studies.sampler_of(plan("grid", space=space)))
    for _ in range(3):
        trial = study.ask()
        study.tell(trial, space.sample(trial)["hyperparameters.learning_rate"])
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3
    assert studies.grid_exhausted(study)
