"""The driver of one RUNNING sweep: Optuna asks for values, each becomes a job, the job's events
feed Optuna back, until the budget is spent.

One loop per sweep, in the gateway that owns it (sweeps/manager.py). Each round it
- stops if the sweep is no longer RUNNING on its attempt (cancelled, or adopted elsewhere),
  cancelling its running trials' jobs when the sweep was cancelled;
- reads each running trial's new job events: the objective metric's intermediate values go to
  trial.report and, with a pruner, should_prune (a pruned trial's job is cancelled with reason
  "pruned"); a final job state tells Optuna the trial's values (SUCCEEDED) or that it failed;
- cancels the running trials once max_wall_time has passed;
- starts trials up to max_concurrent (never more than max_trials in all);
- once nothing runs and nothing may start, ends the sweep with its best trials and importances.
Record writes are fenced by the sweep's attempt (SweepStore.update), and Optuna's own calls run
in a thread: its Redis journal storage is synchronous.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState as OptunaState

from kiln_server.jobs.store import JobStore
from kiln_server.operations.record import ACTIVE_STATES, State
from kiln_server.operations.store import now_ms
from kiln_server.platform import names
from kiln_server.platform.cancel import raise_if_cancelled
from kiln_server.platform.errors import KilnError
from kiln_server.sweeps import study as studies
from kiln_server.sweeps.plots import plot_objective, plot_pareto
from kiln_server.sweeps.record import SweepRecord, TrialRecord, Trials, TrialState
from kiln_server.sweeps.store import SweepStore
from kiln_server.sweeps.trials import TrialJobs

log = logging.getLogger("kiln.sweeps")

# A round reads each running trial's new events without blocking; between rounds the driver
# waits for the next event of any running trial's job (one blocking XREAD), at most this long:
# a finished trial is noticed as its final event is written, not up to a poll later.
POLL_S = 0.1
PRUNED_REASON = "pruned"


@dataclass
class Running:
    trial: TrialRecord
    job_id: str
    cursor: str = "0"  # the last job event read


@dataclass
class Round:
    """What one round changed: written to the record (and its events) in one fenced step."""

    events: list[tuple[str, dict]] = field(default_factory=list)

    def add(self, kind: str, data: dict) -> None:
        self.events.append((kind, data))


class SweepDriver:
    def __init__(self, store: SweepStore, trial_jobs: TrialJobs, redis_url: str, record: SweepRecord):
        self.store = store
        self.trial_jobs = trial_jobs
        self.jobs: JobStore = trial_jobs.jobs
        self.redis_url = redis_url
        self.record = record
        self.plan = record.payload
        self.tenant, self.id, self.attempt = record.tenant, record.id, record.attempt
        self.trials = Trials(dict(record.trials.items))
        self.best = list(record.best)
        self.running: dict[int, Running] = {}
        self.study: optuna.Study | None = None

    # -- the loop --------------------------------------------------------------------------------
    async def run(self) -> None:
        prefix = self.store.keys.sweep_study(self.tenant, self.id)
        self.study = await asyncio.to_thread(studies.open_study, self.plan, self.redis_url, prefix)
        r = Round()
        await self._recover(r)
        if not await self._write(r):
            return
        started = self.record.start_time or now_ms()
        while True:
            current = await self.store.get(self.tenant, self.id)
            if current is None or current.state != State.RUNNING or current.attempt != self.attempt:
                await self._stopped(current)
                return
            r = Round()
            for run in list(self.running.values()):
                await self._poll(run, r)
            limit = self.plan.max_wall_time_s
            out_of_time = bool(limit) and (now_ms() - started) / 1000 >= limit
            if out_of_time:
                for run in list(self.running.values()):
                    await self._end_trial(run, r, TrialState.CANCELLED, "max_wall_time reached", cancel_job=True)
            exhausted = await asyncio.to_thread(studies.grid_exhausted, self.study)
            if not out_of_time:
                await self._adopt_strays(r)
            while (
                not out_of_time
                and not exhausted
                and len(self.running) < self.plan.max_concurrent
                and len(self.trials.items) < self.plan.max_trials
            ):
                await self._start_trial(r)
            if not await self._write(r):
                return
            if not self.running and (out_of_time or exhausted or len(self.trials.items) >= self.plan.max_trials):
                await self._finish("max_wall_time reached" if out_of_time else "budget spent")
                return
            await self._wait_for_events()

    async def _wait_for_events(self) -> None:
        """Returns when a running trial's job has an event this driver has not read (a metric,
        its end), or after POLL_S (the sweep's own state, e.g. a cancel, is read each round)."""
        streams = {self.jobs.events_key(self.tenant, run.job_id): run.cursor for run in self.running.values()}
        if not streams:
            await asyncio.sleep(POLL_S)
            return
        try:
            await self.jobs.redis.xread(streams, count=1, block=int(POLL_S * 1000))
        except Exception:  # e.g. Redis restarting: the next round's reads report it
            raise_if_cancelled()
            await asyncio.sleep(POLL_S)

    async def _write(self, r: Round) -> bool:
        if not r.events:
            return True
        ok = await self.store.update(self.tenant, self.id, self.attempt, r.events, trials=self.trials, best=self.best)
        if not ok:
            log.info("sweep driver fenced", extra={"sweep": self.id, "attempt": self.attempt})
        return ok

    # -- trials ----------------------------------------------------------------------------------
    async def _start_trial(self, r: Round) -> None:
        assert self.study is not None
        study, space = self.study, self.plan.space

        def ask() -> tuple[int, dict[str, Any]]:
            trial = study.ask()
            return trial.number, space.sample(trial)

        number, values = await asyncio.to_thread(ask)
        trial = TrialRecord(number=number, params=studies.params_text(values), start_time=now_ms())
        self.trials.items[number] = trial
        await self._attach(trial, space.apply(self.record.spec.template, values), r)

    async def _attach(self, trial: TrialRecord, job: Any, r: Round) -> None:
        """Creates (or finds again) the trial's job and starts watching it."""
        try:
            job_record = await self.trial_jobs.create(
                self.tenant,
                self.id,
                self.record.spec.display_name,
                trial.number,
                job,
                frozenset(o.metric for o in self.plan.objectives),
            )
        except KilnError as exc:  # the sampled configuration is not a valid job: the sweep goes on
            trial.reason = f"the trial's job could not be created: {exc}"
            r.add("trial_started", {"trial": trial.to_dict()})
            await self._tell(trial, OptunaState.FAIL)
            self._close(trial, TrialState.FAILED, trial.reason, r)
            return
        trial.job = names.name_of("jobs", job_record.id)
        self.running[trial.number] = Running(trial, job_record.id)
        r.add("trial_started", {"trial": trial.to_dict()})

    async def _adopt_strays(self, r: Round) -> None:
        """Runs the trials Optuna has running that this driver does not know: asked by a driver
        of this sweep that was stopped (or fenced) between Optuna's ask and its record write."""
        assert self.study is not None
        study = self.study
        running = await asyncio.to_thread(lambda: study.get_trials(deepcopy=False, states=(OptunaState.RUNNING,)))
        for ft in running:
            if ft.number not in self.trials.items and len(self.trials.items) < self.plan.max_trials:
                trial = TrialRecord(number=ft.number, params=studies.params_text(ft.params), start_time=now_ms())
                self.trials.items[ft.number] = trial
                await self._attach(trial, self.plan.space.apply(self.record.spec.template, ft.params), r)
            elif ft.number not in self.trials.items:  # over budget: it never gets a job
                await asyncio.to_thread(
                    lambda n=ft.number: study.tell(n, state=OptunaState.FAIL, skip_if_finished=True)
                )

    async def _poll(self, run: Running, r: Round) -> None:
        events = await self.jobs.read_events(self.tenant, run.job_id, run.cursor, block_ms=None)
        for event in events:
            run.cursor = event.id
            if event.kind == "metrics":
                value = event.data["values"].get(self.plan.step_metric)
                if value is not None and await self._report(run, int(event.data["step"]), float(value), r):
                    return
            elif event.final:
                await self._job_ended(run, event.data["state"], event.data.get("reason", ""), r)
                return

    async def _report(self, run: Running, step: int, value: float, r: Round) -> bool:
        """Records an intermediate value; True when the pruner stopped the trial."""
        trial = run.trial
        trial.intermediate_value, trial.intermediate_step = value, step
        r.add("intermediate", {"trial": trial.number, "step": step, "metric": self.plan.step_metric, "value": value})
        if self.plan.pruner == "none":
            return False
        assert self.study is not None
        study = self.study

        def report() -> bool:
            handle = studies.handle(study, trial.number)
            if step in study.trials[trial.number].intermediate_values:
                return False  # read again after a restart: judged already
            handle.report(value, step)
            return handle.should_prune()

        if not await asyncio.to_thread(report):
            return False
        reason = f"{PRUNED_REASON} at step {step} ({self.plan.step_metric} {value:.4g})"
        await self._tell(trial, OptunaState.PRUNED)
        await self._end_trial(run, r, TrialState.PRUNED, reason, cancel_job=True, told=True)
        return True

    async def _job_ended(self, run: Running, job_state: str, reason: str, r: Round) -> None:
        trial = run.trial
        if job_state == State.SUCCEEDED:
            job = await self.jobs.get(self.tenant, run.job_id)
            values, why = await self.trial_jobs.objective_values(job, self.plan) if job else ([], "job vanished")
            if values:
                trial.values, trial.model = values, job.output_model if job else ""
                await self._tell(trial, OptunaState.COMPLETE, values)
                self.running.pop(trial.number, None)
                self._close(trial, TrialState.SUCCEEDED, "", r)
                await self._update_best(trial, r)
                return
            reason = why
        # A job cancelled as "pruned" was pruned by an earlier driver of this sweep: keep its verdict.
        pruned = job_state == State.CANCELLED and reason.startswith(PRUNED_REASON)
        await self._tell(trial, OptunaState.PRUNED if pruned else OptunaState.FAIL)
        self.running.pop(trial.number, None)
        if pruned:
            state = TrialState.PRUNED
        else:
            state = TrialState.CANCELLED if job_state == State.CANCELLED else TrialState.FAILED
        self._close(trial, state, reason or f"job {job_state.lower()}", r)

    async def _end_trial(
        self, run: Running, r: Round, state: TrialState, reason: str, *, cancel_job: bool, told: bool = False
    ) -> None:
        if cancel_job:
            await self.jobs.transition(self.tenant, run.job_id, ACTIVE_STATES, State.CANCELLED, reason=reason)
        if not told:
            await self._tell(run.trial, OptunaState.FAIL)
        self.running.pop(run.trial.number, None)
        self._close(run.trial, state, reason, r)

    def _close(self, trial: TrialRecord, state: TrialState, reason: str, r: Round) -> None:
        trial.state, trial.reason, trial.end_time = state, reason, now_ms()
        r.add("trial_pruned" if state == TrialState.PRUNED else "trial_finished", {"trial": trial.to_dict()})

    async def _tell(self, trial: TrialRecord, state: OptunaState, values: list[float] | None = None) -> None:
        assert self.study is not None
        study = self.study
        await asyncio.to_thread(
            lambda: study.tell(
                trial.number, values if state == OptunaState.COMPLETE else None, state=state, skip_if_finished=True
            )
        )

    async def _update_best(self, trial: TrialRecord, r: Round) -> None:
        assert self.study is not None
        best = await asyncio.to_thread(studies.best_numbers, self.study)
        if trial.number in best and trial.number not in self.best:
            r.add("new_best", {"trial": trial.to_dict()})
        self.best = best

    # -- restart and end -------------------------------------------------------------------------
    async def _recover(self, r: Round) -> None:
        """After an adoption: watch again the trials Optuna still has running (finding their jobs
        by request_id), and settle record trials the study already finished."""
        assert self.study is not None
        study = self.study
        frozen = await asyncio.to_thread(lambda: study.trials)
        for ft in frozen:
            trial = self.trials.items.get(ft.number)
            if ft.state == OptunaState.RUNNING:
                if trial is None:
                    trial = TrialRecord(number=ft.number, params=studies.params_text(ft.params), start_time=now_ms())
                    self.trials.items[ft.number] = trial
                if trial.final:  # the record has its end; the study missed it
                    await self._tell(trial, OptunaState.COMPLETE if trial.values else OptunaState.FAIL, trial.values)
                    continue
                await self._attach(trial, self.plan.space.apply(self.record.spec.template, ft.params), r)
            elif trial is not None and not trial.final:
                ended = {OptunaState.COMPLETE: TrialState.SUCCEEDED, OptunaState.PRUNED: TrialState.PRUNED}
                self._close(trial, ended.get(ft.state, TrialState.FAILED), "settled after a restart", r)
                if ft.state == OptunaState.COMPLETE:
                    trial.values = list(ft.values)
        self.best = await asyncio.to_thread(studies.best_numbers, study)

    async def _stopped(self, current: SweepRecord | None) -> None:
        """The sweep is no longer ours to drive; when it was cancelled, so are its trials."""
        if current is None or current.state != State.CANCELLED:
            return
        for run in list(self.running.values()):
            await self.jobs.transition(
                self.tenant, run.job_id, ACTIVE_STATES, State.CANCELLED, reason="sweep cancelled"
            )
            await self._tell(run.trial, OptunaState.FAIL)

    async def _finish(self, why: str) -> None:
        assert self.study is not None
        study = self.study
        best = await asyncio.to_thread(studies.best_numbers, study)
        importances = await asyncio.to_thread(studies.importances, study, self.plan)
        artifacts = await asyncio.to_thread(self._plots, best)
        counts = {s: sum(t.state == s for t in self.trials.items.values()) for s in TrialState}
        summary = ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n)
        if best:
            to, reason, error = State.SUCCEEDED, f"{why}: {summary}", ""
        else:
            to, reason = State.FAILED, f"{why} without a succeeded trial: {summary}"
            error = reason
        await self.store.transition(
            self.tenant,
            self.id,
            (State.RUNNING,),
            to,
            reason=reason,
            attempt=self.attempt,
            fields={
                "trials": self.trials,
                "best": best,
                "importances": importances,
                "artifacts": artifacts,
                "error": error,
            },
        )

    def _plots(self, best: list[int]) -> dict[str, str]:
        """The sweep's plots, in the artifact store under sweeps/{tenant}/{id}/artifacts/."""
        trials = list(self.trials.items.values())
        if not any(t.values for t in trials):
            return {}
        store = self.trial_jobs.specs.artifacts
        rel = f"sweeps/{self.tenant}/{self.id}/artifacts"
        self.trial_jobs.specs.scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.trial_jobs.specs.scratch) as tmp:
            out = {"objective.png": plot_objective(trials, self.plan.objectives[0], Path(tmp) / "objective.png")}
            if len(self.plan.objectives) > 1:
                path = Path(tmp) / "pareto_front.png"
                out["pareto_front.png"] = plot_pareto(trials, self.plan.objectives, best, path)
            return {name: store.put_file(path, f"{rel}/{name}") for name, path in out.items()}
