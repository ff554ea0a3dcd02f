"""`kiln jobs`: create, list, show, watch and cancel training jobs."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import RenderableType
from rich.text import Text

from kiln.v1 import jobs_pb2
from kiln_server.cli.choices import JobState, Method, number
from kiln_server.cli.connect import connect
from kiln_server.cli.errors import EXIT_USAGE, fail
from kiln_server.cli.render import console, details, enum_name, num, show, state_text, table, timestamp
from kiln_server.cli.watch import Operation, View, follow_and_exit

app = typer.Typer(help="Create, watch and cancel training jobs.", no_args_is_help=True)


def steps(job: jobs_pb2.Job) -> str:
    return f"{job.step}/{job.total_steps}" if job.total_steps else str(job.step)


# -- following a job -------------------------------------------------------------------------------
def _metrics(event: jobs_pb2.JobEvent, view: View) -> None:
    m = event.metrics
    fields = {}
    # A DARTS job's search phase reports its weight step's loss as search_train_loss.
    loss = m.values.get("loss", m.values.get("search_train_loss"))
    if loss is not None:
        fields["loss"] = f"{loss:.4f}"
    if "val_loss" in m.values:
        fields["val_loss"] = f"{m.values['val_loss']:.4f}"
    if "tokens_per_s" in m.values:
        fields["tps"] = f"{m.values['tokens_per_s']:,.0f}"
    view.advance(event.time, m.step, m.total_steps, **fields)


def _checkpoint(event: jobs_pb2.JobEvent, view: View) -> None:
    view.line(event.time, f"checkpoint at step {event.checkpoint.step}: {event.checkpoint.uri}")


_LOG_STYLES = {"error": "red", "warning": "yellow", "debug": "dim"}


def _log(event: jobs_pb2.JobEvent, view: View) -> None:
    view.line(event.time, (event.log.message.rstrip(), _LOG_STYLES.get(event.log.level, "")))


def _summary(job: jobs_pb2.Job) -> list[RenderableType]:
    return [f"model {job.output_model}"] if job.output_model else []


JOB = Operation(
    noun="job",
    state_enum=jobs_pb2.JobState.DESCRIPTOR,
    get=lambda client, name: client.get_job(name),
    events=lambda client, name: client.watch_job(name),
    renderers={"metrics": _metrics, "checkpoint": _checkpoint, "log": _log},
    columns=("loss {task.fields[loss]}", "val {task.fields[val_loss]}", "{task.fields[tps]} tok/s"),
    fields={"loss": "-", "val_loss": "-", "tps": "-"},
    summary=_summary,
    on_interrupt=lambda name: f"stopped watching; the job keeps running (kiln jobs cancel {name} stops it)",
)


# -- commands --------------------------------------------------------------------------------------
@app.command("create")
def create(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option(help="Training dataset, datasets/ID (datasets/digits is built in).")],
    base_model: Annotated[
        str, typer.Option(help="kiln-gpt-tiny, models/ID or a local model dir; empty for vae, gan, diffusion, darts.")
    ] = "",
    method: Annotated[Method, typer.Option(help="Training algorithm.")] = Method("sft"),
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    validation_dataset: Annotated[str | None, typer.Option(help="datasets/ID; default holds out 10%.")] = None,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate.", show_default=False)] = None,
    epochs: Annotated[int | None, typer.Option(help="Passes over the data.", show_default=False)] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Optimizer steps (overrides epochs).", show_default=False)
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="Rows per micro-batch.", show_default=False)] = None,
    max_seq_len: Annotated[int | None, typer.Option(help="Longest sequence in tokens.", show_default=False)] = None,
    lora: Annotated[bool, typer.Option("--lora", help="Train LoRA adapters instead of all weights.")] = False,
    workers: Annotated[int | None, typer.Option(help="Data-parallel Ray workers.", show_default=False)] = None,
    gpus: Annotated[int | None, typer.Option(help="GPUs per worker (0: CPU).", show_default=False)] = None,
    sharding: Annotated[
        str | None, typer.Option(help="With workers >= 2: ddp (default) or fsdp.", show_default=False)
    ] = None,
    max_retries: Annotated[int | None, typer.Option(help="Retries of a dead worker.", show_default=False)] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="A field of the method's config as KEY=VALUE (JSON values), "
            'e.g. -o beta=0.1 (dpo), -o \'reward={"scoring_function": "length"}\' (ppo), '
            '-o \'operations=["conv_3x3", "skip"]\' -o genotype_source=random (darts).',
        ),
    ] = None,
    hp: Annotated[
        list[str] | None,
        typer.Option(
            "--hp",
            help="A Hyperparameters field as KEY=VALUE (JSON values; enums by short name), e.g. "
            '--hp \'optimizer={"kind": "sgd", "momentum": 0.9}\' --hp \'lr_schedule={"kind": "one_cycle"}\'.',
        ),
    ] = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Follow the job until it ends.")] = False,
) -> None:
    """Create a training job (unset hyperparameters take the server's defaults)."""
    method_config = key_values(option or [])
    hyperparameters = {
        "learning_rate": lr,
        "epochs": epochs,
        "max_steps": max_steps,
        "batch_size": batch_size,
        "max_seq_len": max_seq_len,
    } | key_values(hp or [], "--hp")
    resources = {"workers": workers, "gpus": gpus, "sharding": sharding}
    with connect(ctx) as client:
        job = client.create_job(
            base_model,
            dataset,
            method=number(method),
            display_name=name,
            hyperparameters={k: v for k, v in hyperparameters.items() if v is not None},
            tuning="lora" if lora else "full",
            resources={k: v for k, v in resources.items() if v is not None},
            max_retries=max_retries,
            validation_dataset=validation_dataset,
            method_config=method_config,
        )
        console.print(f"created [bold]{job.name}[/] ({job.display_name})")
        if not watch:
            console.print(f"follow it with: kiln jobs watch {job.name}")
            return
        follow_and_exit(client, JOB, job.name)


def key_values(items: list[str], flag: str = "--option") -> dict[str, Any]:
    """["beta=0.1", "loss=PREFERENCE_LOSS_IPO"] -> {"beta": 0.1, "loss": "PREFERENCE_LOSS_IPO"}."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise fail(f"{flag} wants KEY=VALUE, got {item!r}", EXIT_USAGE)
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw  # a bare word: an enum name, a model name, ...
    return out


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[JobState | None, typer.Option(help="Only jobs in this state.", show_default=False)] = None,
) -> None:
    """List your jobs, newest first."""
    rows = table("NAME", "DISPLAY NAME", "METHOD", "STATE", "STEP", "LOSS", "CREATED")
    with connect(ctx) as client:
        for job in client.list_jobs(state=number(state) if state else None):
            rows.add_row(
                job.name,
                job.display_name,
                enum_name(job.DESCRIPTOR.fields_by_name["method"], job.method),
                state_text(jobs_pb2.JobState.DESCRIPTOR, job.state),
                steps(job),
                num(job.latest_metrics.get("loss")),
                timestamp(job.create_time),
            )
    show(rows)


@app.command("get")
def get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="jobs/ID")]) -> None:
    """Show a job: state, progress, metrics, artifacts and error."""
    with connect(ctx) as client:
        job = client.get_job(name)
    out = details(
        [
            ("name", job.name),
            ("display name", job.display_name),
            ("method", enum_name(job.DESCRIPTOR.fields_by_name["method"], job.method)),
            ("state", state_text(jobs_pb2.JobState.DESCRIPTOR, job.state)),
            ("attempt", str(job.attempt)),
            ("step", steps(job)),
            ("base model", job.base_model),
            ("dataset", job.training_dataset),
            ("validation dataset", job.validation_dataset or "-"),
            ("output model", job.output_model or "-"),
            ("created", timestamp(job.create_time)),
            ("started", timestamp(job.start_time)),
            ("ended", timestamp(job.end_time)),
        ]
    )
    for key, value in sorted(job.latest_metrics.items()):
        out.add_row(f"metric {key}", num(value))
    for key, uri in sorted(job.artifacts.items()):
        out.add_row(f"artifact {key}", uri)
    if job.error:
        out.add_row("error", Text(job.error, style="red"))
    show(out)


@app.command("watch")
def watch(ctx: typer.Context, name: Annotated[str, typer.Argument(help="jobs/ID")]) -> None:
    """Follow a job with a progress bar; exits 0 if it succeeds, 1 if it fails or is cancelled."""
    with connect(ctx) as client:
        follow_and_exit(client, JOB, name)


@app.command("cancel")
def cancel(ctx: typer.Context, name: Annotated[str, typer.Argument(help="jobs/ID")]) -> None:
    """Cancel a job; a running one stops at its next step."""
    with connect(ctx) as client:
        job = client.cancel_job(name)
    console.print(Text.assemble(f"{job.name}: ", state_text(jobs_pb2.JobState.DESCRIPTOR, job.state)))
