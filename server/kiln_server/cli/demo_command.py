"""`kiln demo`: the whole path in one process: gateway, dataset upload, SFT job, model, samples.

The gateway runs in a background thread (cli/demo.py's BackgroundServer) on embedded defaults.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import RenderableType
from rich.text import Text

from kiln.v1 import jobs_pb2
from kiln_server.cli.connect import load_config, quiet_grpc
from kiln_server.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, fail, print_kiln_error
from kiln_server.cli.jobs import JOB, steps
from kiln_server.cli.render import console, details, num, show, state_text
from kiln_server.cli.watch import follow, succeeded

if TYPE_CHECKING:
    from kiln import KilnClient
    from kiln_server.cli.demo import BackgroundServer

DEMO_MODEL = "kiln-gpt-tiny"
DEMO_PROMPTS = ("Convert to uppercase: window bridge\n", "Reverse the word: light\n")


def demo_hyperparameters(steps: int) -> dict[str, int | float]:
    """Settings for a quick run of kiln-gpt-tiny on the demo set whose loss visibly drops."""
    return {
        "max_steps": steps,
        "learning_rate": 1e-3,  # high for fine-tuning, right for a 1M-parameter model in 200 steps
        "batch_size": 16,
        "max_seq_len": 128,  # demo records are short; packing fills the rows
        "warmup_steps": min(10, max(1, steps // 10)),
        "eval_every": max(1, steps // 4),  # four points on the validation curve
        "checkpoint_every": max(1, steps // 2),
        "log_every": max(1, steps // 40),  # a smooth bar: about 40 updates
    }


def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps Redis data and artifacts.")] = Path(".kiln-demo"),
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps to train.")] = 200,
) -> None:
    """Train a tiny model end to end: gateway, dataset upload, SFT job, registered model."""
    quiet_grpc()
    config = load_config(data_dir=data_dir, host="127.0.0.1", port=0, log_level="WARNING", log_json=False)
    from kiln_server.cli.demo import BackgroundServer
    from kiln_server.platform.logs import setup_logging

    setup_logging(config.log_level, config.log_json)
    dataset_ref = importlib.resources.files("kiln_trainer.data") / "assets" / "demo_sft.jsonl"
    if not dataset_ref.is_file():
        raise fail(f"the demo dataset is missing: {dataset_ref}")
    blob = dataset_ref.read_bytes()

    with console.status("starting the gateway (embedded Redis, local Ray)"):
        try:
            server = BackgroundServer(config).start()
        except Exception as exc:  # Redis, Ray or the port: nothing to clean up, say why
            raise fail(f"the gateway could not start: {type(exc).__name__}: {exc}") from None
    console.print(f"gateway on [bold]{server.target}[/], data in {config.data_dir.resolve()}")
    try:
        final = _run(server, blob, steps, config.data_dir)
    finally:
        with console.status("stopping the gateway"):
            server.stop()
    raise typer.Exit(EXIT_OK if succeeded(JOB, final) else EXIT_FAILED)


def _run(server: BackgroundServer, blob: bytes, steps: int, data_dir: Path) -> jobs_pb2.Job:
    """Tenant, key, upload, job, watch, summary, samples; returns the finished job."""
    from kiln import KilnClient, KilnError

    key = server.create_tenant_key("demo", "Kiln demo")
    job = None
    with KilnClient(server.target, key) as client:
        try:
            # Keyed by content, so a re-run reuses the dataset instead of uploading it again.
            request_id = "demo-sft-" + hashlib.sha256(blob).hexdigest()[:16]
            dataset = client.upload_dataset(blob, "sft", display_name="demo_sft.jsonl", request_id=request_id)
            console.print(f"dataset [bold]{dataset.name}[/]: {dataset.num_records} records")
            job = client.create_job(
                DEMO_MODEL,
                dataset.name,
                display_name="kiln demo",
                hyperparameters=demo_hyperparameters(steps),
            )
            console.print(f"job [bold]{job.name}[/]: SFT of {DEMO_MODEL} for {steps} steps")
            final: jobs_pb2.Job = follow(client, JOB, job.name)
            _summary(client, final, key, data_dir, server.config.artifact_root)
            if final.output_model:
                _sample(client, final.output_model)
            return final
        except KilnError as exc:
            print_kiln_error(exc)
            raise typer.Exit(EXIT_FAILED) from None
        except KeyboardInterrupt:
            if job is not None:  # the gateway stops with the demo: do not leave the run behind
                with contextlib.suppress(KilnError):
                    client.cancel_job(job.name)
                console.print(f"interrupted: cancelled {job.name}")
            raise typer.Exit(EXIT_INTERRUPTED) from None


def _sample(client: KilnClient, model: str) -> None:
    """Serve the fine-tuned model on Ray Serve and stream its answers to two demo prompts."""
    with console.status(f"deploying {model} on Ray Serve"):
        client.deploy_model(model)
    try:
        for prompt in DEMO_PROMPTS:
            console.print(f"[dim]{prompt.strip()}[/] -> ", end="", highlight=False)
            for msg in client.generate_stream(model, prompt, temperature=0.0, max_tokens=24, stop=["\n"]):
                if not msg.HasField("usage"):
                    console.print(msg.text, end="", highlight=False, markup=False)
            console.print()
    finally:
        with console.status(f"undeploying {model}"):
            client.undeploy_model(model)


def _local(uri: str, artifact_root: str) -> str:
    """The file behind a kiln:// URI: clients are never told server paths, but the demo's gateway
    runs in this process, on the user's own disk, so the user is shown where to look."""
    from kiln_server.platform.artifacts import ArtifactStore, rel_of

    local = ArtifactStore(artifact_root).local_path(rel_of(uri)) if uri else None
    return str(local) if local is not None else uri or "-"


def _summary(client: KilnClient, job: jobs_pb2.Job, key: str, data_dir: Path, artifact_root: str) -> None:
    rows: list[tuple[str, RenderableType]] = [
        ("job", job.name),
        ("state", state_text(jobs_pb2.JobState.DESCRIPTOR, job.state)),
        ("steps", steps(job)),
        ("final loss", num(job.latest_metrics.get("loss"))),
        ("final val loss", num(job.latest_metrics.get("val_loss"))),
    ]
    if job.error:
        rows.append(("error", Text(job.error, style="red")))
    if job.output_model:
        model = client.get_model(job.output_model)
        rows += [("model", model.name), ("weights", _local(model.artifact_uri, artifact_root))]
    rows.append(("loss curve", _local(job.artifacts.get("loss_curve.png", ""), artifact_root)))
    show(details(rows, title="kiln demo"))
    if job.output_model:
        console.print(
            f"explore it: [bold]kiln serve --data-dir {data_dir}[/] and, in another shell, "
            f"[bold]KILN_API_KEY={key} kiln models get {job.output_model}[/]",
            highlight=False,
            soft_wrap=True,
        )
