"""The sweep driver and manager against real Redis, with the jobs' workers played by a small
in-test loop that writes what a job runner writes (state transitions, metrics events, the final
metrics and model). No Ray: what is under test is the driver's logic — concurrency, pruning, a
failed trial that does not stop the sweep, cancellation, and adoption after a gateway restart
without re-running finished trials. The real path (Ray, gRPC) is tests/e2e/test_sweeps.py."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable

import pytest

from kiln.v1 import jobs_pb2, sweeps_pb2
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.jobs.store import JobStore
from kiln_server.models.ref import ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.operations.record import ACTIVE_STATES, State
from kiln_server.platform.artifacts import ArtifactStore, rel_of
from kiln_server.sweeps import driver as driver_module
from kiln_server.sweeps.manager import SweepManager
from kiln_server.sweeps.record import TrialState, new_sweep
from kiln_server.sweeps.spec import build_plan
from kiln_server.sweeps.store import SweepStore
from kiln_server.sweeps.trials import TrialJobs
from tests.unit.server.records import add_dataset

MIN = sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE
LR = "hyperparameters.learning_rate"


def val_loss(lr: float) -> float:
    """A smooth objective with its minimum at lr = 1e-3."""
    return 1.0 + (math.log10(lr) + 3) ** 2


class Workers:
    """Plays the job runners: takes queued jobs, reports `steps` validation losses, then ends as
    `outcome(lr)` says ("SUCCEEDED" or "FAILED"). Stops a job early if it was cancelled."""

    def __init__(self, jobs: JobStore, outcome: Callable[[float], str] = lambda lr: "SUCCEEDED", steps: int = 3):
        self.jobs, self.outcome, self.steps = jobs, outcome, steps
        self.running = 0
        self.peak = 0
        self.started: list[str] = []
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> Workers:
        self._loop = asyncio.create_task(self.loop())
        return self

    async def stop(self) -> None:
        """Ends the loop and every job still running (a test must leave nothing behind)."""
        tasks = [self._loop, *self._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=5)

    async def loop(self) -> None:
        while True:
            item = await self.jobs.pop_queued(timeout_s=0.1)
            if item is not None:
                task = asyncio.create_task(self.run(*item))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def run(self, tenant: str, jid: str) -> None:
        ok, _, attempt = await self.jobs.transition(tenant, jid, (State.QUEUED,), State.RUNNING, bump_attempt=True)
        if not ok:
            return
        self.started.append(jid)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            record = await self.jobs.get(tenant, jid)
            lr = record.spec.hyperparameters.learning_rate
            final = val_loss(lr)
            for step in range(1, self.steps + 1):
                await asyncio.sleep(0.05)
                current = await self.jobs.get(tenant, jid)
                if current.state != State.RUNNING:
                    return  # cancelled (pruned, or its sweep was)
                value = final + (self.steps - step) * 0.5
                event = {"step": step * 10, "total_steps": self.steps * 10, "values": {"val_loss": value}}
                await self.jobs.redis.xadd(
                    self.jobs.events_key(tenant, jid), {"kind": "metrics", "data": json.dumps(event)}
                )
            to = self.outcome(lr)
            fields = (
                {"metrics": {"val_loss": final}, "output_model": f"models/m-{jid[2:]}"} if to == "SUCCEEDED" else {}
            )
            await self.jobs.transition(
                tenant, jid, (State.RUNNING,), State(to), attempt=attempt, reason="done", fields=fields
            )
        finally:
            self.running -= 1


@pytest.fixture
async def env(redis_client, redis_url, keys, tmp_path, monkeypatch):
    monkeypatch.setattr(driver_module, "POLL_S", 0.05)
    datasets = DatasetStore(redis_client, keys)
    await add_dataset(datasets, "d-sft", "sft")
    models = ModelStore(redis_client, keys)
    specs = JobSpecBuilder(datasets, ModelResolver(models), ArtifactStore(str(tmp_path / "a")), tmp_path / "s", 2)
    jobs = JobStore(redis_client, keys)
    sweeps = SweepStore(redis_client, keys)
    managers: list[SweepManager] = []

    def manager(instance: str) -> SweepManager:
        managers.append(SweepManager(sweeps, TrialJobs(jobs, specs, models), redis_url, instance))
        return managers[-1]

    yield specs, jobs, sweeps, manager
    for m in managers:
        await m.stop()


def sweep_proto(trials: int, concurrency: int, pruner=sweeps_pb2.SWEEP_PRUNER_NONE, **kw) -> sweeps_pb2.Sweep:
    return sweeps_pb2.Sweep(
        display_name="test",
        template=jobs_pb2.Job(
            method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", training_dataset="datasets/d-sft"
        ),
        parameters=[
            sweeps_pb2.SearchParameter(target=LR, float_range=sweeps_pb2.FloatRange(low=1e-5, high=1e-1, log=True))
        ],
        objectives=[sweeps_pb2.Objective(metric="val_loss", direction=MIN)],
        budget=sweeps_pb2.SweepBudget(max_trials=trials, max_concurrent_trials=concurrency),
        pruner=pruner,
        seed=5,
        **kw,
    )


async def create(specs, sweeps, proto) -> str:
    op = new_sweep("t", proto, await build_plan(proto, "t", specs))
    return await sweeps.create("t", op.record, events=op.events, queue=True)


async def wait_final(sweeps, rid: str, timeout: float = 60):
    """The sweep's record once it is final (polled: nothing to cancel if it never is)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        record = await sweeps.get("t", rid)
        if record.final:
            return record
        await asyncio.sleep(0.05)
    raise AssertionError(f"sweep {rid} not final after {timeout}s: {record.state}, {len(record.trials.items)} trials")


async def test_trials_run_at_most_max_concurrent_and_the_best_is_the_lowest(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs).start()
    try:
        await manager("gw-1").start()
        rid = await create(specs, sweeps, sweep_proto(6, 2))
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    assert done.state == State.SUCCEEDED and done.owner == "gw-1"
    trials = list(done.trials.items.values())
    assert len(trials) == 6 and all(t.state == TrialState.SUCCEEDED for t in trials)
    assert workers.peak == 2 and len(workers.started) == 6
    best = min(trials, key=lambda t: t.values[0])
    assert done.best == [best.number] and best.model.startswith("models/")
    assert best.values[0] == pytest.approx(val_loss(float(best.params[LR])))
    events = await sweeps.read_events("t", rid, "0", None, count=1000)
    kinds = [e.kind for e in events]
    assert kinds.count("trial_started") == 6 and kinds.count("trial_finished") == 6 and "new_best" in kinds
    assert kinds.count("intermediate") == 18  # 3 validation passes per trial
    (plot,) = done.artifacts.values()
    assert list(done.artifacts) == ["objective.png"]
    local = specs.artifacts.local_path(rel_of(plot))  # clients see kiln://artifacts/..., never a path
    assert plot.startswith("kiln://artifacts/sweeps/") and local is not None
    assert local.read_bytes()[:4] == b"\x89PNG"
    for t in trials:  # every trial is a job with the sweep as its parent
        job = await jobs.get("t", t.job.split("/")[1])
        assert job.spec.sweep == f"sweeps/{rid}" and job.spec.hyperparameters.learning_rate == float(t.params[LR])


async def test_a_failed_trial_is_recorded_and_the_sweep_goes_on(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, outcome=lambda lr: "FAILED" if lr > 1e-3 else "SUCCEEDED").start()
    try:
        await manager("gw-1").start()
        rid = await create(specs, sweeps, sweep_proto(5, 1))
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    states = {t.number: t.state for t in done.trials.items.values()}
    assert len(states) == 5 and TrialState.FAILED in states.values() and TrialState.SUCCEEDED in states.values()
    assert done.state == State.SUCCEEDED
    assert all(done.trials.items[n].state == TrialState.SUCCEEDED for n in done.best)


async def test_all_trials_failing_fails_the_sweep(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, outcome=lambda lr: "FAILED", steps=1).start()
    try:
        await manager("gw-1").start()
        rid = await create(specs, sweeps, sweep_proto(2, 2))
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    assert done.state == State.FAILED and "without a succeeded trial" in done.error and done.best == []


async def test_the_median_pruner_stops_weak_trials_and_cancels_their_jobs(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, steps=6).start()
    try:
        await manager("gw-1").start()
        rid = await create(specs, sweeps, sweep_proto(10, 1, pruner=sweeps_pb2.SWEEP_PRUNER_MEDIAN))
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    pruned = [t for t in done.trials.items.values() if t.state == TrialState.PRUNED]
    assert pruned and done.state == State.SUCCEEDED
    for t in pruned:
        job = await jobs.get("t", t.job.split("/")[1])
        events = await jobs.read_events("t", job.id, "0", None)
        assert job.state == State.CANCELLED and events[-1].data["reason"].startswith("pruned")
        assert t.reason.startswith("pruned at step")
        best = min(s.values[0] for s in done.trials.items.values() if s.state == TrialState.SUCCEEDED)
        assert t.intermediate_value > best  # only trials worse than the median so far are stopped


async def test_a_sweep_is_adopted_after_a_gateway_restart_without_rerunning_trials(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, steps=4).start()
    try:
        first = manager("gw-1")
        await first.start()
        rid = await create(specs, sweeps, sweep_proto(4, 1))
        while sum(t.final for t in (await sweeps.get("t", rid)).trials.items.values()) < 2:
            await asyncio.sleep(0.05)
        await first.stop()  # the gateway goes away mid-sweep; its heartbeat key was never written
        before = await sweeps.get("t", rid)
        finished = {n for n, t in before.trials.items.items() if t.final}
        await manager("gw-2").start()  # reconciles at start: adopts the orphaned sweep
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    assert done.state == State.SUCCEEDED and done.owner == "gw-2" and done.attempt == 2
    assert len(done.trials.items) == 4 and len(workers.started) == 4  # nothing ran twice
    for n in finished:
        assert done.trials.items[n].job == before.trials.items[n].job
    events = await sweeps.read_events("t", rid, "0", None, count=1000)
    assert [e.data["reason"] for e in events if e.kind == "state" and e.data["state"] == "RUNNING"] == [
        "started",
        "resumed: gateway gw-1 is gone",
    ]


async def test_cancelling_stops_the_driver_and_its_trials(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, steps=1000).start()
    try:
        await manager("gw-1").start()
        rid = await create(specs, sweeps, sweep_proto(3, 2))
        while len((await sweeps.get("t", rid)).trials.running()) < 2:
            await asyncio.sleep(0.05)
        ok, _, _ = await sweeps.transition("t", rid, ACTIVE_STATES, State.CANCELLED, reason="test")
        assert ok
        await asyncio.sleep(0.5)
    finally:
        await workers.stop()
    record = await sweeps.get("t", rid)
    assert len(record.trials.items) == 2  # no trial started after the cancel
    for t in record.trials.items.values():
        assert (await jobs.get("t", t.job.split("/")[1])).state == State.CANCELLED


async def test_a_trial_asked_by_a_stopped_driver_is_run_not_lost(env, redis_url):
    """A driver stopped between Optuna's ask and its record write leaves a RUNNING trial in the
    study with no job; the sweep's driver runs it as one of its trials (the budget holds)."""
    from kiln_server.sweeps import study as studies

    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, steps=2).start()
    try:
        await manager("gw-1").start()
        rid = await create(specs, sweeps, sweep_proto(3, 1))
        while not any(t.final for t in (await sweeps.get("t", rid)).trials.items.values()):
            await asyncio.sleep(0.02)
        record = await sweeps.get("t", rid)
        study = studies.open_study(record.payload, redis_url, sweeps.keys.sweep_study("t", rid))
        stray = study.ask()  # as a stopped driver would have, mid-sweep
        lr = record.payload.space.sample(stray)[LR]
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    assert done.state == State.SUCCEEDED and len(done.trials.items) == 3 and len(workers.started) == 3
    kept = done.trials.items[stray.number]
    assert kept.state == TrialState.SUCCEEDED and float(kept.params[LR]) == lr


async def test_two_objectives_end_with_a_non_dominated_front_and_its_plot(env):
    specs, jobs, sweeps, manager = env
    workers = Workers(jobs, steps=1).start()
    try:
        await manager("gw-1").start()
        proto = sweep_proto(6, 2, algorithm=sweeps_pb2.SWEEP_ALGORITHM_NSGA_II)
        proto.objectives.append(sweeps_pb2.Objective(metric="wall_time_s", direction=MIN))
        rid = await create(specs, sweeps, proto)
        done = await wait_final(sweeps, rid)
    finally:
        await workers.stop()
    assert done.state == State.SUCCEEDED
    values = {n: t.values for n, t in done.trials.items.items() if t.state == TrialState.SUCCEEDED}
    assert len(values) == 6 and all(len(v) == 2 and v[1] > 0 for v in values.values())

    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b, strict=True)) and a != b

    front = [values[n] for n in done.best]
    assert front and not any(dominates(a, b) for a in front for b in front)
    assert all(any(dominates(f, values[n]) for f in front) for n in values if n not in done.best)
    assert set(done.artifacts) == {"objective.png", "pareto_front.png"}
