"""`kiln eval`: score models on a dataset (perplexity, rewards, KL, diversity) and follow the runs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import RenderableType
from rich.text import Text

from kiln.v1 import evaluation_pb2
from kiln_server.cli.choices import EvalState, Metric, number
from kiln_server.cli.connect import connect
from kiln_server.cli.render import (
    console,
    details,
    enum_name,
    num,
    results,
    show,
    state_name,
    state_text,
    table,
    timestamp,
)
from kiln_server.cli.watch import Operation, View, follow_and_exit

app = typer.Typer(help="Score models on a dataset: perplexity, rewards, KL, diversity.", no_args_is_help=True)

STATES = evaluation_pb2.EvaluationState.DESCRIPTOR


# -- following an evaluation -----------------------------------------------------------------------
class _Progress:
    """Renders progress events; each metric prints once, when its result first appears."""

    def __init__(self) -> None:
        self.printed: set[str] = set()

    def __call__(self, event: evaluation_pb2.EvaluationEvent, view: View) -> None:
        p = event.progress
        view.advance(event.time, p.completed_records, p.total_records)
        for key in sorted(set(p.results) - self.printed):
            self.printed.add(key)
            view.line(event.time, f"{key} = ", (num(p.results[key]), "bold"))


def _summary(ev: evaluation_pb2.Evaluation) -> list[RenderableType]:
    return [f"results: {results(ev.results)}"] if ev.results else []


def evaluation_operation() -> Operation:
    """A fresh Operation per watch: the progress renderer remembers which metrics it printed."""
    return Operation(
        noun="evaluation",
        state_enum=STATES,
        get=lambda client, name: client.get_evaluation(name),
        events=lambda client, name: client.watch_evaluation(name),
        renderers={"progress": _Progress()},
        columns=("records",),
        summary=_summary,
        on_interrupt=lambda name: "stopped watching; the evaluation keeps running",
    )


# -- commands --------------------------------------------------------------------------------------
@app.command("run")
def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="The model to score: kiln-gpt-tiny or models/ID.")],
    dataset: Annotated[str, typer.Option(help="datasets/ID (SFT or prompts).")],
    metric: Annotated[list[Metric], typer.Option("--metric", "-m", help="A metric; repeat for several.")],
    baseline_model: Annotated[str, typer.Option(help="What win_rate compares against.")] = "",
    reward_model: Annotated[str, typer.Option(help="models/ID of a reward model (mean_reward, win_rate).")] = "",
    reference_model: Annotated[str, typer.Option(help="What kl_to_reference measures divergence from.")] = "",
    temperature: Annotated[
        float | None, typer.Option(help="Sampling temperature; 0 is greedy.", show_default=False)
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(min=1, help="New tokens per completion.", show_default=False)
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Sampling seed (default 0).", show_default=False)] = None,
    max_records: Annotated[int, typer.Option(min=0, help="Evaluate only the first N records; 0 = all.")] = 0,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Follow the evaluation until it ends.")] = False,
) -> None:
    """Start an evaluation; asking again for one that already succeeded returns its results at once."""
    sampling = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}
    with connect(ctx) as client:
        ev = client.create_evaluation(
            model,
            dataset,
            [number(m) for m in metric],
            baseline_model=baseline_model,
            reward_model=reward_model,
            reference_model=reference_model,
            sampling={k: v for k, v in sampling.items() if v is not None},
            max_records=max_records,
            display_name=name,
        )
        console.print(Text.assemble(f"created {ev.name} ({ev.display_name}): ", state_text(STATES, ev.state)))
        if watch:
            follow_and_exit(client, evaluation_operation(), ev.name)
        elif state_name(STATES, ev.state) == "SUCCEEDED":
            console.print(f"results: {results(ev.results)}", highlight=False)
        else:
            console.print(f"follow it with: kiln eval watch {ev.name}")


@app.command("watch")
def watch(ctx: typer.Context, name: Annotated[str, typer.Argument(help="evaluations/ID")]) -> None:
    """Follow an evaluation with a progress bar; exits 0 if it succeeds, 1 otherwise."""
    with connect(ctx) as client:
        follow_and_exit(client, evaluation_operation(), name)


@app.command("get")
def get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="evaluations/ID")]) -> None:
    """Show an evaluation: what it measures, its state, progress and results."""
    with connect(ctx) as client:
        ev = client.get_evaluation(name)
    metrics_field = ev.DESCRIPTOR.fields_by_name["metrics"]
    out = details(
        [
            ("name", ev.name),
            ("display name", ev.display_name),
            ("state", state_text(STATES, ev.state)),
            ("model", ev.model),
            ("dataset", ev.dataset),
            ("metrics", ", ".join(enum_name(metrics_field, m) for m in ev.metrics)),
            ("baseline model", ev.baseline_model or "-"),
            ("reward model", ev.reward_model or "-"),
            ("reference model", ev.reference_model or "-"),
            ("records", f"{ev.completed_records}/{ev.total_records}"),
            ("created", timestamp(ev.create_time)),
            ("ended", timestamp(ev.end_time)),
        ]
    )
    for key, value in sorted(ev.results.items()):
        out.add_row(f"result {key}", num(value))
    if ev.error:
        out.add_row("error", Text(ev.error, style="red"))
    show(out)


@app.command("list")
def list_(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option(help="Only evaluations of this model.", show_default=False)] = None,
    state: Annotated[EvalState | None, typer.Option(help="Only evaluations in this state.", show_default=False)] = None,
) -> None:
    """List your evaluations, newest first."""
    rows = table("NAME", "DISPLAY NAME", "MODEL", "STATE", "RECORDS", "RESULTS", "CREATED")
    with connect(ctx) as client:
        for ev in client.list_evaluations(model=model, state=number(state) if state else None):
            rows.add_row(
                ev.name,
                ev.display_name,
                ev.model,
                state_text(STATES, ev.state),
                f"{ev.completed_records}/{ev.total_records}",
                results(ev.results),
                timestamp(ev.create_time),
            )
    show(rows)
