"""CreateSweep's conversion boundary: a Sweep proto in, a validated SweepPlan out.

Every check happens before anything is written: the template must be a valid job (checked by
the job spec builder itself, its paths moved under "sweep.template"), every parameter must name
a searchable field with a sound domain (space.py), and each end of each domain must be a value the
method's trainer config accepts (a learning-rate range reaching 0 is caught here, on
"sweep.parameters[i].float_range.low", not in the first trial). Objectives must be metrics the
method reports; the algorithm, pruner and budget must fit the objectives and the space.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kiln.v1 import jobs_pb2, sweeps_pb2
from kiln_server.jobs.methods import METHODS
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.platform.errors import FieldViolation, InvalidArgument
from kiln_server.sweeps import metrics
from kiln_server.sweeps.space import MAX_GRID, Parameter, SearchSpace, build_space

MAX_TRIALS, MAX_CONCURRENT, MAX_OBJECTIVES = 1000, 64, 4
MAX_WALL_TIME_S = 7 * 24 * 3600

ALGORITHMS = {v: k.removeprefix("SWEEP_ALGORITHM_").lower() for k, v in sweeps_pb2.SweepAlgorithm.items()}
PRUNERS = {v: k.removeprefix("SWEEP_PRUNER_").lower() for k, v in sweeps_pb2.SweepPruner.items()}
ALGORITHMS[sweeps_pb2.SWEEP_ALGORITHM_UNSPECIFIED] = "tpe"
PRUNERS[sweeps_pb2.SWEEP_PRUNER_UNSPECIFIED] = "none"


@dataclass(frozen=True)
class Objective:
    metric: str
    minimize: bool


@dataclass
class SweepPlan:
    """What the driver runs, in plain values (stored as JSON in the sweep's record)."""

    method: str
    space: SearchSpace
    objectives: list[Objective]
    algorithm: str  # "random", "grid", "tpe", "gp", "cma_es", "nsga_ii"
    pruner: str  # "none", "successive_halving", "median", "hyperband"
    max_trials: int
    max_concurrent: int
    max_wall_time_s: float  # 0: no limit
    seed: int

    @property
    def step_metric(self) -> str:
        """The metric the pruner reads from the trial's job events."""
        return self.objectives[0].metric

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "space": self.space.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepPlan:
        return cls(
            **{
                **d,
                "space": SearchSpace.from_dict(d["space"]),
                "objectives": [Objective(**o) for o in d["objectives"]],
            }
        )


def check_plan(
    sweep: sweeps_pb2.Sweep, method: str | None, space: SearchSpace
) -> tuple[SweepPlan, list[FieldViolation]]:
    """The sweep's non-template checks (objectives, algorithm, pruner, budget); pure."""
    v: list[FieldViolation] = []
    if len(sweep.display_name) > 200:
        v.append(FieldViolation("sweep.display_name", f"at most 200 characters, got {len(sweep.display_name)}"))
    objectives = _objectives(sweep, method, v)
    algorithm = _known(ALGORITHMS, sweep.algorithm, "sweep.algorithm", v)
    pruner = _known(PRUNERS, sweep.pruner, "sweep.pruner", v)
    b = sweep.budget
    max_trials = b.max_trials
    if not 1 <= b.max_trials <= MAX_TRIALS:
        v.append(FieldViolation("sweep.budget.max_trials", f"must be 1 to {MAX_TRIALS}, got {b.max_trials}"))
    concurrent = b.max_concurrent_trials or 1
    if not 1 <= concurrent <= MAX_CONCURRENT:
        v.append(
            FieldViolation("sweep.budget.max_concurrent_trials", f"must be 1 to {MAX_CONCURRENT}, got {concurrent}")
        )
    elif b.max_trials >= 1 and concurrent > b.max_trials:
        v.append(
            FieldViolation(
                "sweep.budget.max_concurrent_trials", f"must be <= max_trials ({b.max_trials}), got {concurrent}"
            )
        )
    wall = b.max_wall_time.seconds + b.max_wall_time.nanos / 1e9
    if not 0 <= wall <= MAX_WALL_TIME_S:
        v.append(FieldViolation("sweep.budget.max_wall_time", f"must be 0 to 7 days, got {wall:g}s"))
    n = len(objectives)
    if algorithm == "nsga_ii" and n < 2:
        v.append(FieldViolation("sweep.algorithm", f"NSGA_II searches two or more objectives, got {n}"))
    if algorithm == "cma_es" and n > 1:
        v.append(FieldViolation("sweep.algorithm", f"CMA_ES optimises one objective, got {n}"))
    if algorithm == "cma_es" and space.parameters and all(p.kind == "categorical" for p in space.parameters):
        v.append(FieldViolation("sweep.algorithm", "CMA_ES needs at least one float_range or int_range parameter"))
    if algorithm == "grid":
        v += _grid_violations(sweep, space)
        if not v and space.parameters:
            max_trials = min(max_trials, space.grid_size())
    if pruner not in ("none", None) and objectives:
        if n != 1:
            v.append(FieldViolation("sweep.pruner", f"pruning needs exactly one objective, got {n}"))
        elif method is not None and objectives[0].metric not in metrics.step_metrics(method):
            v.append(
                FieldViolation(
                    "sweep.pruner",
                    f"{objectives[0].metric!r} is not reported while a {method} job runs; prune on one of "
                    f"{', '.join(sorted(metrics.step_metrics(method)))}",
                )
            )
    plan = SweepPlan(
        method=method or "",
        space=space,
        objectives=objectives,
        algorithm=algorithm or "tpe",
        pruner=pruner or "none",
        max_trials=max_trials,
        max_concurrent=min(concurrent, max(1, max_trials)),
        max_wall_time_s=wall,
        seed=sweep.seed,
    )
    return plan, v


def _known(table: dict[int, str], value: int, path: str, v: list[FieldViolation]) -> str | None:
    if value not in table:  # a value from a newer client's proto
        v.append(FieldViolation(path, f"unknown value {value}"))
        return None
    return table[value]


def _objectives(sweep: sweeps_pb2.Sweep, method: str | None, v: list[FieldViolation]) -> list[Objective]:
    if not sweep.objectives:
        v.append(FieldViolation("sweep.objectives", "at least one objective is required"))
    if len(sweep.objectives) > MAX_OBJECTIVES:
        v.append(FieldViolation("sweep.objectives", f"at most {MAX_OBJECTIVES}, got {len(sweep.objectives)}"))
    out, seen = [], set()
    known = metrics.final_metrics(method) if method else None
    for i, o in enumerate(sweep.objectives):
        at = f"sweep.objectives[{i}]"
        if not o.metric:
            v.append(FieldViolation(f"{at}.metric", "required"))
        elif o.metric in seen:
            v.append(FieldViolation(f"{at}.metric", f"{o.metric!r} is already an objective"))
        elif known is not None and o.metric not in known:
            v.append(
                FieldViolation(
                    f"{at}.metric",
                    f"{method} jobs never report {o.metric!r}; one of {', '.join(sorted(known))}",
                )
            )
        if o.direction not in (sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE, sweeps_pb2.OBJECTIVE_DIRECTION_MAXIMIZE):
            v.append(FieldViolation(f"{at}.direction", "MINIMIZE or MAXIMIZE is required"))
        seen.add(o.metric)
        out.append(Objective(o.metric, o.direction != sweeps_pb2.OBJECTIVE_DIRECTION_MAXIMIZE))
    return out


def _grid_violations(sweep: sweeps_pb2.Sweep, space: SearchSpace) -> list[FieldViolation]:
    v = []
    for i, p in enumerate(space.parameters):
        if p.kind == "float" and not p.step:
            v.append(FieldViolation(f"sweep.parameters[{i}].float_range.step", "GRID needs a step for float ranges"))
        if p.condition_parameter:
            v.append(FieldViolation(f"sweep.parameters[{i}].condition", "GRID does not take conditional parameters"))
        if p.kind == "int" and p.log:
            v.append(FieldViolation(f"sweep.parameters[{i}].int_range.log", "GRID does not take log ranges"))
    if not v and space.parameters and space.grid_size() > MAX_GRID:
        v.append(FieldViolation("sweep.parameters", f"the grid has {space.grid_size()} points; at most {MAX_GRID}"))
    return v


async def build_plan(sweep: sweeps_pb2.Sweep, tenant: str, specs: JobSpecBuilder) -> SweepPlan:
    """The validated plan of `sweep`, or InvalidArgument listing every violation found."""
    if not sweep.HasField("template"):
        raise InvalidArgument.field("sweep.template", "required: the job each trial runs")
    template = sweep.template
    method = METHODS.get(template.method)
    space, v = build_space(list(sweep.parameters), method.oneof if method else None)
    plan, more = check_plan(sweep, method.name if method else None, space)
    v += more
    if v:
        raise InvalidArgument(v)
    await _check_job(specs, template, tenant, "sweep.template")  # the template as given
    for i, p in enumerate(space.parameters):
        for value, where in zip(p.extremes(), _extreme_paths(p, i), strict=True):
            await _check_job(specs, space.apply(template, {p.target: value}), tenant, where)
    return plan


def _extreme_paths(p: Parameter, i: int) -> list[str]:
    at = f"sweep.parameters[{i}]"
    if p.kind == "categorical":
        return [f"{at}.categorical.values[{j}]" for j in range(len(p.choices))]
    domain = "float_range" if p.kind == "float" else "int_range"
    return [f"{at}.{domain}.low", f"{at}.{domain}.high"]


async def _check_job(specs: JobSpecBuilder, job: jobs_pb2.Job, tenant: str, where: str) -> None:
    """Builds `job`'s spec; its violations are reported under `where` (for the template, each
    job path becomes the same path under sweep.template)."""
    try:
        await specs.build(job, tenant)
    except InvalidArgument as exc:
        if where == "sweep.template":
            raise InvalidArgument(
                [FieldViolation("sweep.template" + f.field.removeprefix("job"), f.description) for f in exc.violations]
            ) from exc
        raise InvalidArgument(
            [FieldViolation(where, f"{f.field.removeprefix('job.')}: {f.description}") for f in exc.violations]
        ) from exc
