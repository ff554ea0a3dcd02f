"""`kiln sweeps`: search job configurations (random, grid, TPE, GP, CMA-ES, NSGA-II, with ASHA or
median pruning) and follow the trials in a live table.

    kiln sweeps create --template job.json --space space.yaml --algorithm tpe \\
        --objective val_loss:min --trials 20 --concurrency 2 --watch

job.json is a Job in proto JSON (what CreateJob takes); space.yaml maps field paths to domains
(see kiln.space): {hyperparameters.learning_rate: {low: 1.0e-4, high: 1.0e-2, log: true}}.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from google.protobuf import json_format
from rich.live import Live
from rich.table import Table
from rich.text import Text

from kiln.messages import short_name
from kiln.v1 import jobs_pb2, sweeps_pb2
from kiln_server.cli.choices import number, proto_members
from kiln_server.cli.connect import connect
from kiln_server.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, fail
from kiln_server.cli.render import console, details, num, show, state_name, state_text, table, timestamp

if TYPE_CHECKING:
    from kiln import KilnClient

app = typer.Typer(help="Search job configurations: hyperparameters and architectures.", no_args_is_help=True)

STATES = sweeps_pb2.SweepState.DESCRIPTOR
TRIAL_STATES = sweeps_pb2.TrialState.DESCRIPTOR
Algorithm = StrEnum("Algorithm", proto_members("Algorithm", sweeps_pb2.SweepAlgorithm.DESCRIPTOR))  # type: ignore[misc]
Pruner = StrEnum("Pruner", proto_members("Pruner", sweeps_pb2.SweepPruner.DESCRIPTOR))  # type: ignore[misc]
SweepState = StrEnum("SweepState", proto_members("SweepState", STATES))  # type: ignore[misc]


def _load(path: Path, what: str) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise fail(f"cannot read {what} {path}: {exc}", EXIT_USAGE) from None
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)


def _template(path: Path) -> jobs_pb2.Job:
    try:
        return json_format.ParseDict(_load(path, "template"), jobs_pb2.Job())
    except (json_format.ParseError, ValueError) as exc:
        raise fail(f"{path} is not a Job: {exc}", EXIT_USAGE) from None


# -- the live trial table --------------------------------------------------------------------------
class TrialTable:
    """The trials as the sweep's events describe them, rendered as one table."""

    def __init__(self, objectives: list[str]):
        self.objectives = objectives
        self.trials: dict[int, sweeps_pb2.Trial] = {}
        self.best: set[int] = set()

    def update(self, event: sweeps_pb2.SweepEvent) -> None:
        kind = event.WhichOneof("kind")
        if kind in ("trial_started", "trial_pruned", "trial_finished", "new_best"):
            trial = getattr(event, kind)
            self.trials[trial.number] = trial
            if kind == "new_best":
                self.best.add(trial.number)
        elif kind == "intermediate":
            m = event.intermediate
            if m.trial in self.trials:
                self.trials[m.trial].intermediate_value = m.value
                self.trials[m.trial].intermediate_step = m.step

    def render(self) -> Table:
        rows = table("#", "STATE", "PARAMS", "STEP", "LAST", *(o.upper() for o in self.objectives), "JOB")
        for n in sorted(self.trials):
            t = self.trials[n]
            mark = "*" if n in self.best else ""
            params = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in sorted(t.params.items()))
            values = [num(v) for v in t.values] or ["-"] * len(self.objectives)
            rows.add_row(
                f"{n}{mark}",
                state_text(TRIAL_STATES, t.state),
                params,
                str(t.intermediate_step or "-"),
                num(t.intermediate_value) if t.intermediate_step else "-",
                *values,
                t.job or "-",
            )
        return rows


def follow(client: KilnClient, name: str) -> sweeps_pb2.Sweep:
    start = client.get_sweep(name)
    view = TrialTable([o.metric for o in start.objectives])
    with Live(view.render(), console=console, refresh_per_second=4) as live:
        for event in client.watch_sweep(name):
            view.update(event)
            if event.HasField("state_change"):
                change = event.state_change
                reason = f": {change.reason}" if change.reason else ""
                live.console.print(Text.assemble(state_text(STATES, change.state), reason))
            live.update(view.render())
    final = client.get_sweep(name)
    _print_best(final)
    return final


def _print_best(sweep: sweeps_pb2.Sweep) -> None:
    if sweep.error:
        console.print(Text(sweep.error, style="red"))
    if not sweep.best_trials:
        return
    label = "best trial" if len(sweep.best_trials) == 1 else f"Pareto front ({len(sweep.best_trials)} trials)"
    console.print(f"{label}:", style="bold")
    metrics = [o.metric for o in sweep.objectives]
    for t in sweep.best_trials:
        values = ", ".join(f"{m}={num(v)}" for m, v in zip(metrics, t.values, strict=False))
        params = ", ".join(f"{k}={v}" for k, v in sorted(t.params.items()))
        console.print(f"  #{t.number} {values}  {params}  model {t.model or '-'}", highlight=False, soft_wrap=True)
    if sweep.parameter_importances:
        ranked = sorted(sweep.parameter_importances.items(), key=lambda kv: -kv[1])
        console.print("importances: " + ", ".join(f"{k} {v:.2f}" for k, v in ranked), highlight=False)


def _follow_and_exit(client: KilnClient, name: str) -> None:
    try:
        final = follow(client, name)
    except KeyboardInterrupt:
        console.print(f"stopped watching; the sweep keeps running (kiln sweeps cancel {name} stops it)")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(EXIT_OK if state_name(STATES, final.state) == "SUCCEEDED" else EXIT_FAILED)


# -- commands --------------------------------------------------------------------------------------
@app.command("create")
def create(
    ctx: typer.Context,
    template: Annotated[Path, typer.Option(help="The trial job: a Job in proto JSON (.json or .yaml).")],
    space: Annotated[Path, typer.Option(help="The search space: {field path: domain} (.yaml or .json).")],
    objective: Annotated[
        list[str], typer.Option("--objective", "-o", help="metric:min or metric:max; repeat for several.")
    ],
    trials: Annotated[int, typer.Option(min=1, help="Trials in all.")],
    concurrency: Annotated[int, typer.Option(min=1, help="Trials running at once.")] = 1,
    algorithm: Annotated[Algorithm, typer.Option(help="The sampler.")] = "tpe",  # type: ignore[assignment]
    pruner: Annotated[Pruner | None, typer.Option(help="Early stopping of weak trials.", show_default=False)] = None,
    max_wall_time: Annotated[float, typer.Option(min=0, help="Seconds; 0 = no limit.")] = 0,
    seed: Annotated[int, typer.Option(min=0, help="Sampler seed.")] = 0,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    request_id: Annotated[str, typer.Option(help="Idempotency key.")] = "",
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Follow the trials in a live table.")] = False,
) -> None:
    """Start a sweep; each trial is an ordinary job listed by `kiln jobs list`."""
    job = _template(template)
    domains = _load(space, "space")
    if not isinstance(domains, dict):
        raise fail(f"{space} must map field paths to domains", EXIT_USAGE)
    with connect(ctx) as client:
        sweep = client.create_sweep(
            job,
            domains,
            objective,
            max_trials=trials,
            max_concurrent_trials=concurrency,
            max_wall_time_s=max_wall_time,
            algorithm=number(algorithm),
            pruner=number(pruner) if pruner else "none",
            seed=seed,
            display_name=name,
            request_id=request_id or None,
        )
        console.print(Text.assemble(f"created {sweep.name} ({sweep.display_name}): ", state_text(STATES, sweep.state)))
        if watch:
            _follow_and_exit(client, sweep.name)
        console.print(f"follow it with: kiln sweeps watch {sweep.name}")


@app.command("watch")
def watch(ctx: typer.Context, name: Annotated[str, typer.Argument(help="sweeps/ID")]) -> None:
    """Follow a sweep's trials in a live table; exits 0 if it succeeds, 1 otherwise."""
    with connect(ctx) as client:
        _follow_and_exit(client, name)


@app.command("get")
def get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="sweeps/ID")]) -> None:
    """Show a sweep: its space, objectives, budget, state and trials."""
    with connect(ctx) as client:
        sweep = client.get_sweep(name)
    out = details(
        [
            ("name", sweep.name),
            ("display name", sweep.display_name),
            ("state", state_text(STATES, sweep.state)),
            ("algorithm", short_name(sweeps_pb2.SweepAlgorithm.DESCRIPTOR, sweep.algorithm or 3)),
            ("pruner", short_name(sweeps_pb2.SweepPruner.DESCRIPTOR, sweep.pruner or 1)),
            ("objectives", ", ".join(f"{o.metric}:{'max' if o.direction == 2 else 'min'}" for o in sweep.objectives)),
            ("space", ", ".join(p.target for p in sweep.parameters)),
            ("budget", f"{sweep.budget.max_trials} trials, {sweep.budget.max_concurrent_trials or 1} at once"),
            ("trials", str(len(sweep.trials))),
            ("created", timestamp(sweep.create_time)),
            ("ended", timestamp(sweep.end_time)),
        ]
    )
    show(out)
    view = TrialTable([o.metric for o in sweep.objectives])
    view.trials = {t.number: t for t in sweep.trials}
    view.best = {t.number for t in sweep.best_trials}
    show(view.render())
    _print_best(sweep)


@app.command("best")
def best(ctx: typer.Context, name: Annotated[str, typer.Argument(help="sweeps/ID")]) -> None:
    """The best trial (or the Pareto front) with its config and model; exits 1 if there is none yet."""
    with connect(ctx) as client:
        sweep = client.get_sweep(name)
    if not sweep.best_trials:
        raise fail(f"{name} has no succeeded trial yet ({state_name(STATES, sweep.state).lower()})")
    _print_best(sweep)


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[SweepState | None, typer.Option(help="Only sweeps in this state.", show_default=False)] = None,
) -> None:
    """List your sweeps, newest first."""
    rows = table("NAME", "DISPLAY NAME", "STATE", "TRIALS", "BEST", "CREATED")
    with connect(ctx) as client:
        for s in client.list_sweeps(state=number(state) if state else None):
            best_values = ", ".join(num(v) for v in s.best_trials[0].values) if s.best_trials else "-"
            rows.add_row(
                s.name,
                s.display_name,
                state_text(STATES, s.state),
                f"{len(s.trials)}/{s.budget.max_trials}",
                best_values,
                timestamp(s.create_time),
            )
    show(rows)


@app.command("cancel")
def cancel(ctx: typer.Context, name: Annotated[str, typer.Argument(help="sweeps/ID")]) -> None:
    """Stop a sweep and cancel its running trials."""
    with connect(ctx) as client:
        sweep = client.cancel_sweep(name)
    console.print(Text.assemble(f"{sweep.name}: ", state_text(STATES, sweep.state)))
