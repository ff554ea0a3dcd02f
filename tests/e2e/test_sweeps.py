"""Sweeps over gRPC: a tiny SFT learning-rate sweep runs its trials as jobs, survives a gateway
restart without re-running finished trials, and reports a best trial with a model; bad sweeps are
INVALID_ARGUMENT naming the field; cancelling a sweep cancels its running trial."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from kiln.v1 import images_pb2, jobs_pb2, models_pb2, sweeps_pb2, sweeps_pb2_grpc
from tests.e2e.conftest import demo_records, field_violations, sft_job

pytestmark = pytest.mark.slow


def _template(dataset: str, **hp) -> jobs_pb2.Job:
    settings = dict(max_steps=6, batch_size=4, max_seq_len=32, eval_every=3, log_every=3, warmup_steps=1)
    return sft_job(dataset, **{**settings, **hp})


def _sweep(template: jobs_pb2.Job, trials: int, concurrency: int, **kw) -> sweeps_pb2.Sweep:
    return sweeps_pb2.Sweep(
        display_name="lr sweep",
        template=template,
        parameters=[
            sweeps_pb2.SearchParameter(
                target="hyperparameters.learning_rate", float_range=sweeps_pb2.FloatRange(low=1e-4, high=3e-2, log=True)
            )
        ],
        objectives=[sweeps_pb2.Objective(metric="val_loss", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE)],
        budget=sweeps_pb2.SweepBudget(max_trials=trials, max_concurrent_trials=concurrency),
        seed=7,
        **kw,
    )


async def _watch(stub, tenant, name: str, timeout: float = 120) -> list[sweeps_pb2.SweepEvent]:
    events: list[sweeps_pb2.SweepEvent] = []

    async def run():
        async for ev in stub.WatchSweep(sweeps_pb2.WatchSweepRequest(name=name), metadata=tenant.md):
            events.append(ev)

    await asyncio.wait_for(run(), timeout)
    return events


async def test_sweep_runs_trials_as_jobs_survives_a_gateway_restart_and_reports_the_best(gateway_factory, tmp_path):
    """One sweep, with the gateway replaced mid-sweep: the new gateway adopts it, finished trials
    are not re-run, the budget holds, and the best trial comes with its model."""
    prefix = "sweep-restart"
    first = await gateway_factory(prefix=prefix, data_dir=tmp_path / "gw")
    stub = sweeps_pb2_grpc.SweepServiceStub(first.channel)
    t = await first.tenant()
    ds = await first.upload(t, demo_records(48))
    request = sweeps_pb2.CreateSweepRequest(
        sweep=_sweep(_template(ds.name), 3, 2, algorithm=sweeps_pb2.SWEEP_ALGORITHM_TPE), request_id="sweep-1"
    )
    sweep = await stub.CreateSweep(request, metadata=t.md)
    assert sweep.name.startswith("sweeps/")
    again = await stub.CreateSweep(request, metadata=t.md)  # idempotent by request_id
    assert again.name == sweep.name

    before: list[sweeps_pb2.SweepEvent] = []
    async for ev in stub.WatchSweep(sweeps_pb2.WatchSweepRequest(name=sweep.name), metadata=t.md):
        before.append(ev)
        if ev.HasField("trial_finished"):
            break
    finished = before[-1].trial_finished
    await first.close()  # the gateway goes away mid-sweep; the trials' jobs keep running on Ray

    gateway = await gateway_factory(prefix=prefix, data_dir=tmp_path / "gw")
    stub = sweeps_pb2_grpc.SweepServiceStub(gateway.channel)
    events = await _watch(stub, t, sweep.name)
    kinds = [e.WhichOneof("kind") for e in events]
    assert kinds.count("trial_started") >= 3 and "new_best" in kinds and "intermediate" in kinds
    assert events[-1].state_change.state == sweeps_pb2.SWEEP_STATE_SUCCEEDED
    reasons = [e.state_change.reason for e in events if e.HasField("state_change")]
    assert any(r.startswith("resumed: gateway") for r in reasons), reasons

    done = await stub.GetSweep(sweeps_pb2.GetSweepRequest(name=sweep.name), metadata=t.md)
    assert done.state == sweeps_pb2.SWEEP_STATE_SUCCEEDED
    assert [tr.state for tr in done.trials] == [sweeps_pb2.TRIAL_STATE_SUCCEEDED] * 3  # the budget held
    kept = done.trials[finished.number]
    assert (kept.job, list(kept.values)) == (finished.job, list(finished.values))  # not re-run
    lrs = {float(tr.params["hyperparameters.learning_rate"]) for tr in done.trials}
    assert len(lrs) == 3 and all(1e-4 <= lr <= 3e-2 for lr in lrs)
    (best,) = done.best_trials
    assert best.values[0] == min(tr.values[0] for tr in done.trials)
    assert best.model.startswith("models/")
    plot = done.artifacts["objective.png"]
    assert gateway.artifact_path(plot).read_bytes()[:4] == b"\x89PNG"

    # The trials are ordinary jobs with the sweep as their parent, one per trial, each with the
    # sampled value and the objective the sweep recorded.
    listed = await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(sweep=sweep.name), metadata=t.md)
    assert sorted(j.name for j in listed.jobs) == sorted(tr.job for tr in done.trials)
    for job in listed.jobs:
        # No trial runs twice: one the old gateway started (even one it was still launching: its
        # warm worker is on the record with RUNNING) is adopted by the new gateway, not re-run.
        assert job.sweep == sweep.name and job.state == jobs_pb2.JOB_STATE_SUCCEEDED and job.attempt == 1
        trial = next(tr for tr in done.trials if tr.job == job.name)
        assert job.hyperparameters.learning_rate == pytest.approx(float(trial.params["hyperparameters.learning_rate"]))
        assert job.latest_metrics["val_loss"] == pytest.approx(trial.values[0])
    best_job = next(j for j in listed.jobs if j.name == best.job)
    assert best_job.output_model == best.model
    other = await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(sweep="sweeps/w-000000000000"), metadata=t.md)
    assert not other.jobs


async def test_bad_sweeps_name_the_field_and_create_nothing(gateway):
    stub = sweeps_pb2_grpc.SweepServiceStub(gateway.channel)
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(16))
    base = _sweep(_template(ds.name), 2, 1)

    def bad(change) -> sweeps_pb2.Sweep:
        s = sweeps_pb2.Sweep()
        s.CopyFrom(base)
        change(s)
        return s

    cases = {
        "sweep.parameters[0].target": lambda s: setattr(s.parameters[0], "target", "hyperparameters.nope"),
        "sweep.parameters[0].float_range.high": lambda s: setattr(s.parameters[0].float_range, "high", 1e-5),
        "sweep.parameters[0].float_range.low": lambda s: setattr(s.parameters[0].float_range, "low", 0.0),
        "sweep.budget.max_trials": lambda s: setattr(s.budget, "max_trials", 0),
        "sweep.objectives[0].metric": lambda s: setattr(s.objectives[0], "metric", "fid"),
        "sweep.algorithm": lambda s: setattr(s, "algorithm", sweeps_pb2.SWEEP_ALGORITHM_NSGA_II),
        "sweep.template.hyperparameters.batch_size": lambda s: setattr(s.template.hyperparameters, "batch_size", 0),
        # An architecture width kiln-gpt-tiny's 4 heads do not divide, at the range's bound.
        "sweep.parameters[0].int_range.high": lambda s: s.parameters[0].CopyFrom(
            sweeps_pb2.SearchParameter(target="architecture.d_model", int_range=sweeps_pb2.IntRange(low=16, high=130))
        ),
    }
    for path, change in cases.items():
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=bad(change)), metadata=t.md)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, path
        assert path in [f for f, _ in field_violations(err.value)], (path, field_violations(err.value))
    listed = await stub.ListSweeps(sweeps_pb2.ListSweepsRequest(), metadata=t.md)
    assert not listed.sweeps
    jobs = await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)
    assert not jobs.jobs


async def test_cancel_sweep_cancels_its_running_trial(gateway):
    stub = sweeps_pb2_grpc.SweepServiceStub(gateway.channel)
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(48))
    sweep = await stub.CreateSweep(
        sweeps_pb2.CreateSweepRequest(sweep=_sweep(_template(ds.name, max_steps=5000), 2, 1)), metadata=t.md
    )
    async for ev in stub.WatchSweep(sweeps_pb2.WatchSweepRequest(name=sweep.name), metadata=t.md):
        if ev.HasField("trial_started"):
            job_name = ev.trial_started.job
            break
    cancelled = await stub.CancelSweep(sweeps_pb2.CancelSweepRequest(name=sweep.name), metadata=t.md)
    assert cancelled.state == sweeps_pb2.SWEEP_STATE_CANCELLED
    assert [tr.state for tr in cancelled.trials] == [sweeps_pb2.TRIAL_STATE_CANCELLED]
    job = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job_name), metadata=t.md)
    assert job.state == jobs_pb2.JOB_STATE_CANCELLED and job.sweep == sweep.name
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.CancelSweep(sweeps_pb2.CancelSweepRequest(name=sweep.name), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await asyncio.sleep(1.5)  # the driver notices and stops: no second trial starts
    after = await stub.GetSweep(sweeps_pb2.GetSweepRequest(name=sweep.name), metadata=t.md)
    assert len(after.trials) == 1


async def test_nsga_ii_over_a_vae_architecture_returns_a_quality_vs_size_pareto_front(gateway):
    """NSGA-II over a built-in network's architecture (the VAE's width and latent size) on
    (val_loss, parameter_count): the front GetSweep returns is mutually non-dominated, holds the
    smallest and the best-quality model, and comes with its plot."""
    t = await gateway.tenant()
    stub = sweeps_pb2_grpc.SweepServiceStub(gateway.channel)
    template = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_VAE,
        training_dataset="datasets/digits",
        hyperparameters=jobs_pb2.Hyperparameters(max_steps=4, batch_size=64, learning_rate=3e-3, eval_every=4),
        vae=images_pb2.VaeConfig(latent_dim=8, base_channels=8),
    )
    proto = sweeps_pb2.Sweep(
        display_name="vae architecture",
        template=template,
        parameters=[
            sweeps_pb2.SearchParameter(
                target="vae.base_channels", int_range=sweeps_pb2.IntRange(low=4, high=32, log=True)
            ),
            sweeps_pb2.SearchParameter(target="vae.latent_dim", int_range=sweeps_pb2.IntRange(low=2, high=16)),
        ],
        objectives=[
            sweeps_pb2.Objective(metric="val_loss", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE),
            sweeps_pb2.Objective(metric="parameter_count", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE),
        ],
        algorithm=sweeps_pb2.SWEEP_ALGORITHM_NSGA_II,
        budget=sweeps_pb2.SweepBudget(max_trials=5, max_concurrent_trials=2),
        seed=3,
    )
    sweep = await stub.CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=proto), metadata=t.md)
    events = await _watch(stub, t, sweep.name, timeout=240)
    assert events[-1].state_change.state == sweeps_pb2.SWEEP_STATE_SUCCEEDED
    done = await stub.GetSweep(sweeps_pb2.GetSweepRequest(name=sweep.name), metadata=t.md)
    values = {tr.number: tuple(tr.values) for tr in done.trials if tr.state == sweeps_pb2.TRIAL_STATE_SUCCEEDED}
    assert len(values) == 5 and len({v[1] for v in values.values()}) > 1  # the sizes differ

    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b, strict=True)) and a != b

    front = [tuple(b.values) for b in done.best_trials]
    assert front and not any(dominates(a, b) for a in front for b in front)
    assert min(v[0] for v in values.values()) in {f[0] for f in front}  # the best quality
    assert min(v[1] for v in values.values()) in {f[1] for f in front}  # the smallest
    assert all(b.model.startswith("models/") for b in done.best_trials)
    assert gateway.artifact_path(done.artifacts["pareto_front.png"]).read_bytes()[:4] == b"\x89PNG"


async def test_nsga_ii_over_a_language_model_architecture_returns_a_quality_vs_latency_front(gateway):
    """NSGA-II over kiln-gpt's depth and width (Job.architecture) on (best_val_loss, measured
    decode_ms_per_token): each trial trains the shape it was given (its registered model's
    parameter count follows the sampled shape), and the front is mutually non-dominated and holds
    both the fastest and the best-quality model."""
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(24))
    stub = sweeps_pb2_grpc.SweepServiceStub(gateway.channel)
    template = _template(ds.name, max_steps=2, eval_every=2, learning_rate=3e-3)
    template.architecture.n_heads = 4
    proto = sweeps_pb2.Sweep(
        display_name="lm architecture",
        template=template,
        parameters=[
            sweeps_pb2.SearchParameter(target="architecture.n_layers", int_range=sweeps_pb2.IntRange(low=1, high=4)),
            sweeps_pb2.SearchParameter(
                target="architecture.d_model", int_range=sweeps_pb2.IntRange(low=16, high=128, step=16)
            ),
        ],
        objectives=[
            # best_val_loss is a result metric: read from the trial's registered model.
            sweeps_pb2.Objective(metric="best_val_loss", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE),
            sweeps_pb2.Objective(metric="decode_ms_per_token", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE),
        ],
        algorithm=sweeps_pb2.SWEEP_ALGORITHM_NSGA_II,
        budget=sweeps_pb2.SweepBudget(max_trials=4, max_concurrent_trials=2),
        seed=5,
    )
    sweep = await stub.CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=proto), metadata=t.md)
    events = await _watch(stub, t, sweep.name, timeout=240)
    done = await stub.GetSweep(sweeps_pb2.GetSweepRequest(name=sweep.name), metadata=t.md)
    assert events[-1].state_change.state == sweeps_pb2.SWEEP_STATE_SUCCEEDED, [tr.reason for tr in done.trials]
    trials = [tr for tr in done.trials if tr.state == sweeps_pb2.TRIAL_STATE_SUCCEEDED]
    assert len(trials) == 4
    for tr in trials:  # the trained model has the sampled shape: kiln-gpt's exact parameter count
        layers, width = int(tr.params["architecture.n_layers"]), int(tr.params["architecture.d_model"])
        model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=tr.model), metadata=t.md)
        vocab, context = 2048, 256
        per_block = 12 * width * width + 13 * width  # attention + MLP weights and biases, two LayerNorms
        assert model.parameter_count == (vocab + context) * width + layers * per_block + 2 * width
    values = {tr.number: tuple(tr.values) for tr in trials}

    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b, strict=True)) and a != b

    front = [tuple(b.values) for b in done.best_trials]
    assert front and not any(dominates(a, b) for a in front for b in front)
    assert min(v[0] for v in values.values()) in {f[0] for f in front}  # the best quality
    assert min(v[1] for v in values.values()) in {f[1] for f in front}  # the fastest
