"""The Optuna side of a sweep: its sampler and pruner, its study in Redis, and the results read
back from the study (best trial or Pareto front, parameter importances).

Optuna is driven directly with ask/tell (see docs/decisions.md): each trial is a Kiln job, so
Optuna only chooses values and judges intermediate reports; it never runs anything. The study
lives in Redis through Optuna's JournalStorage (JournalRedisBackend), keyed under the sweep, so
a gateway that adopts the sweep after a restart reopens the same study: finished trials stay
finished and the sampler keeps what it learnt.

All functions here are synchronous (Optuna's storage is); the driver calls them in a thread.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalRedisBackend
from optuna.trial import FrozenTrial, TrialState

from kiln_server.sweeps.spec import SweepPlan

STUDY_NAME = "sweep"
MIN_IMPORTANCE_TRIALS = 3

optuna.logging.set_verbosity(optuna.logging.WARNING)
log = logging.getLogger("kiln.sweeps")


def startup_trials(plan: SweepPlan) -> int:
    """Random trials before a model-based sampler takes over: a third of the budget, 2 to 10.
    Optuna's default (10) would leave a small sweep purely random."""
    return max(2, min(10, plan.max_trials // 3))


class AskTellGridSampler(optuna.samplers.GridSampler):
    """Optuna's grid sampler without its self-stop. After the grid's last point GridSampler
    calls Study.stop(), which is only legal inside study.optimize(): under ask/tell it raised
    from study.tell() before the last trial's result was stored, failing the sweep's driver.
    The driver stops asking by itself (grid_exhausted, and max_trials is the grid's size)."""

    def after_trial(self, study: Any, trial: FrozenTrial, state: TrialState, values: Any) -> None:
        return None


def sampler_of(plan: SweepPlan) -> optuna.samplers.BaseSampler:
    seed = plan.seed % (2**32)
    match plan.algorithm:
        case "random":
            return optuna.samplers.RandomSampler(seed=seed)
        case "grid":
            return AskTellGridSampler(plan.space.grid(), seed=seed)
        case "gp":
            return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup_trials(plan))
        case "cma_es":
            return optuna.samplers.CmaEsSampler(
                seed=seed,
                n_startup_trials=startup_trials(plan),
                independent_sampler=optuna.samplers.RandomSampler(seed=seed),
                warn_independent_sampling=False,
            )
        case "nsga_ii":
            # Generations of about a quarter of the budget, so a small sweep still evolves.
            return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(2, min(50, plan.max_trials // 4)))
        case _:
            return optuna.samplers.TPESampler(
                seed=seed, n_startup_trials=startup_trials(plan), multivariate=True, constant_liar=True
            )


def pruner_of(plan: SweepPlan) -> optuna.pruners.BasePruner:
    match plan.pruner:
        case "successive_halving":
            return optuna.pruners.SuccessiveHalvingPruner(min_resource="auto", reduction_factor=3)
        case "hyperband":
            return optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
        case "median":
            return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
        case _:
            return optuna.pruners.NopPruner()


def open_study(plan: SweepPlan, redis_url: str, prefix: str) -> optuna.Study:
    """The sweep's study in Redis under `prefix`: created on first use, reopened after that."""
    with warnings.catch_warnings():  # "experimental" since Optuna 3.1; pinned by our tests
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = JournalStorage(JournalRedisBackend(redis_url, prefix=prefix))
    return optuna.create_study(
        storage=storage,
        study_name=STUDY_NAME,
        sampler=sampler_of(plan),
        pruner=pruner_of(plan),
        directions=["minimize" if o.minimize else "maximize" for o in plan.objectives],
        load_if_exists=True,
    )


def handle(study: optuna.Study, number: int) -> optuna.Trial:
    """A live Trial for trial `number` (to report to and prune), also after a restart."""
    frozen = study.trials[number]
    return optuna.Trial(study, frozen._trial_id)


def grid_exhausted(study: optuna.Study) -> bool:
    sampler = study.sampler
    return isinstance(sampler, optuna.samplers.GridSampler) and sampler.is_exhausted(study)


def best_numbers(study: optuna.Study) -> list[int]:
    """The best trial (one objective) or the Pareto front (several), by trial number."""
    if not any(t.state == TrialState.COMPLETE for t in study.trials):
        return []
    if len(study.directions) == 1:
        return [study.best_trial.number]
    return sorted(t.number for t in study.best_trials)


def importances(study: optuna.Study, plan: SweepPlan) -> dict[str, float]:
    """Optuna's parameter importances of the first objective, when there is enough to say it."""
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    if len(plan.space.parameters) < 2 or len(complete) < MIN_IMPORTANCE_TRIALS:
        return {}
    try:
        found = optuna.importance.get_param_importances(
            study, target=lambda t: t.values[0], evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
        )
    except (ValueError, RuntimeError) as exc:  # e.g. a parameter that never varied
        log.info("no parameter importances: %s", exc)
        return {}
    return {k: float(v) for k, v in found.items() if math.isfinite(v)}


def is_better(minimize: bool, a: float, b: float | None) -> bool:
    return b is None or (a < b if minimize else a > b)


def running_numbers(study: optuna.Study) -> list[int]:
    return [t.number for t in study.trials if t.state == TrialState.RUNNING]


def params_text(params: dict[str, Any]) -> dict[str, str]:
    return {k: repr(v) if isinstance(v, float) else str(v) for k, v in params.items()}


def frozen(study: optuna.Study, number: int) -> FrozenTrial:
    return study.trials[number]
