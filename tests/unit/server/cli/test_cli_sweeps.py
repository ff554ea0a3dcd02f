"""`kiln sweeps` against a fake gateway: a template file and a YAML space become the request,
--watch shows the trials and the best one, and the exit status follows the sweep's end."""

from __future__ import annotations

import json

import pytest
from google.protobuf import timestamp_pb2
from typer.testing import CliRunner

from kiln.space import objective, search_space
from kiln.v1 import sweeps_pb2 as S
from kiln_server.cli import app
from tests.unit.clients.python.fake_gateway import fake_gateway, server_stream, unary

runner = CliRunner()
SEEN: dict[str, object] = {}
LR = "hyperparameters.learning_rate"


def _trial(n: int, state=S.TRIAL_STATE_RUNNING, value: float | None = None, **kw) -> S.Trial:
    values = [value] if value is not None else []
    return S.Trial(number=n, state=state, params={LR: f"0.00{n + 1}"}, job=f"jobs/j-{n}", values=values, **kw)


def _event(i: int, **kind) -> S.SweepEvent:
    return S.SweepEvent(id=f"{i}-0", time=timestamp_pb2.Timestamp(seconds=100 + i), **kind)


HISTORY = [
    _event(1, state_change=S.SweepStateChange(state=S.SWEEP_STATE_RUNNING, reason="started")),
    _event(2, trial_started=_trial(0)),
    _event(3, trial_started=_trial(1)),
    _event(4, intermediate=S.TrialMetric(trial=1, step=10, metric="val_loss", value=2.5)),
    _event(5, trial_pruned=_trial(1, S.TRIAL_STATE_PRUNED, reason="pruned at step 10")),
    _event(6, trial_finished=_trial(0, S.TRIAL_STATE_SUCCEEDED, 1.25, model="models/m-0")),
    _event(7, new_best=_trial(0, S.TRIAL_STATE_SUCCEEDED, 1.25, model="models/m-0")),
    _event(8, state_change=S.SweepStateChange(state=S.SWEEP_STATE_SUCCEEDED, reason="budget spent")),
]
FINAL = S.Sweep(
    name="sweeps/w-1",
    display_name="lr",
    state=S.SWEEP_STATE_SUCCEEDED,
    objectives=[S.Objective(metric="val_loss", direction=S.OBJECTIVE_DIRECTION_MINIMIZE)],
    budget=S.SweepBudget(max_trials=2, max_concurrent_trials=2),
    trials=[_trial(0, S.TRIAL_STATE_SUCCEEDED, 1.25, model="models/m-0"), _trial(1, S.TRIAL_STATE_PRUNED)],
    best_trials=[_trial(0, S.TRIAL_STATE_SUCCEEDED, 1.25, model="models/m-0")],
)


def _create(request, context):
    SEEN["create"] = request
    return S.Sweep(name="sweeps/w-1", display_name="lr", state=S.SWEEP_STATE_QUEUED)


@pytest.fixture(scope="module")
def target():
    services = {
        "kiln.v1.SweepService": {
            "CreateSweep": unary(_create, S.CreateSweepRequest, S.Sweep),
            "GetSweep": unary(lambda r, c: FINAL, S.GetSweepRequest, S.Sweep),
            "WatchSweep": server_stream(lambda r, c: iter(HISTORY), S.WatchSweepRequest, S.SweepEvent),
            "ListSweeps": unary(
                lambda r, c: S.ListSweepsResponse(sweeps=[FINAL]), S.ListSweepsRequest, S.ListSweepsResponse
            ),
            "CancelSweep": unary(
                lambda r, c: S.Sweep(name=r.name, state=S.SWEEP_STATE_CANCELLED), S.CancelSweepRequest, S.Sweep
            ),
        }
    }
    with fake_gateway(services) as target:
        yield target


def _kiln(target: str, *args: str):
    return runner.invoke(app, ["--target", target, "--api-key", "k", *args])


def test_create_watch_sends_the_space_and_shows_the_best(target, tmp_path):
    job = tmp_path / "job.json"
    job.write_text(
        json.dumps({"method": "JOB_METHOD_SFT", "baseModel": "kiln-gpt-tiny", "trainingDataset": "datasets/d"})
    )
    space = tmp_path / "space.yaml"
    space.write_text(
        "hyperparameters.learning_rate: {low: 1e-4, high: 1e-2, log: true}\n"
        "sft.tuning: {choices: [FULL, LORA]}\n"
        "sft.lora.rank: {low: 4, high: 32, when: {sft.tuning: [LORA]}}\n"
    )
    args = ["sweeps", "create", "--template", str(job), "--space", str(space), "--algorithm", "tpe"]
    args += ["--objective", "val_loss:min", "--trials", "2", "--concurrency", "2", "--pruner", "median", "--watch"]
    result = _kiln(target, *args)
    assert result.exit_code == 0, result.output
    sent = SEEN["create"].sweep
    assert sent.template.base_model == "kiln-gpt-tiny" and sent.algorithm == S.SWEEP_ALGORITHM_TPE
    assert sent.pruner == S.SWEEP_PRUNER_MEDIAN
    assert (sent.budget.max_trials, sent.budget.max_concurrent_trials) == (2, 2)
    lr, tuning, rank = sent.parameters
    assert lr.float_range == S.FloatRange(low=1e-4, high=1e-2, log=True)
    assert list(tuning.categorical.values) == ["FULL", "LORA"]
    assert rank.int_range == S.IntRange(low=4, high=32) and list(rank.condition.values) == ["LORA"]
    assert list(sent.objectives) == [S.Objective(metric="val_loss", direction=S.OBJECTIVE_DIRECTION_MINIMIZE)]
    out = result.output
    assert "PRUNED" in out and "SUCCEEDED" in out and "budget spent" in out
    assert "best trial:" in out and "models/m-0" in out and "val_loss=1.25" in out


def test_get_list_best_cancel(target):
    result = _kiln(target, "sweeps", "get", "sweeps/w-1")
    assert result.exit_code == 0 and "jobs/j-1" in result.output and "PRUNED" in result.output
    result = _kiln(target, "sweeps", "list")
    assert result.exit_code == 0 and "sweeps/w-1" in result.output and "2/2" in result.output
    result = _kiln(target, "sweeps", "best", "sweeps/w-1")
    assert result.exit_code == 0 and "#0 val_loss=1.25" in result.output
    result = _kiln(target, "sweeps", "cancel", "sweeps/w-1")
    assert result.exit_code == 0 and "CANCELLED" in result.output


def test_a_bad_space_file_is_a_usage_error(target, tmp_path):
    job = tmp_path / "job.json"
    job.write_text("{}")
    space = tmp_path / "space.yaml"
    space.write_text("hyperparameters.learning_rate: {low: 1e-4}\n")
    args = ["sweeps", "create", "--template", str(job), "--space", str(space), "-o", "val_loss", "--trials", "2"]
    result = _kiln(target, *args)
    assert result.exit_code == 2 and "give choices, or low and high" in result.output


def test_space_and_objective_helpers():
    (p,) = search_space({"hyperparameters.weight_decay": {"low": 0, "high": 0.1}})
    assert p.float_range == S.FloatRange(low=0, high=0.1)
    (p,) = search_space({"hyperparameters.batch_size": {"low": 4, "high": 16, "step": 4}})
    assert p.int_range == S.IntRange(low=4, high=16, step=4)
    assert objective("val_accuracy:max").direction == S.OBJECTIVE_DIRECTION_MAXIMIZE
    with pytest.raises(ValueError, match="min or max"):
        objective("val_loss:lowest")
