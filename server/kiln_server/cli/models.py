"""`kiln models`: list, show, delete, deploy, undeploy and export (compress) models."""

from __future__ import annotations

from typing import Annotated

import typer

from kiln_server.cli.choices import DeployTarget, Quantization, number
from kiln_server.cli.connect import connect
from kiln_server.cli.render import console, details, enum_name, num, show, size, table, timestamp

app = typer.Typer(help="Inspect, deploy and export the models jobs registered.", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List your models, newest first."""
    rows = table("NAME", "DISPLAY NAME", "FAMILY", "BASE MODEL", "SOURCE JOB", "PARAMS", "SIZE", "CREATED")
    with connect(ctx) as client:
        for m in client.list_models():
            rows.add_row(
                m.name,
                m.display_name,
                enum_name(m.DESCRIPTOR.fields_by_name["family"], m.family),
                m.base_model,
                m.source_job or "-",
                f"{m.parameter_count:,}",
                size(m.size_bytes),
                timestamp(m.create_time),
            )
    show(rows)


@app.command("get")
def get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="models/ID")]) -> None:
    """Show a model: lineage, weights location and training metrics."""
    with connect(ctx) as client:
        m = client.get_model(name)
    out = details(
        [
            ("name", m.name),
            ("display name", m.display_name),
            ("family", enum_name(m.DESCRIPTOR.fields_by_name["family"], m.family)),
            ("base model", m.base_model),
            ("source job", m.source_job or "-"),
            ("weights", m.artifact_uri),
            ("version", m.version),
            ("parameters", f"{m.parameter_count:,}"),
            ("size", size(m.size_bytes)),
            ("created", timestamp(m.create_time)),
        ]
    )
    for key, value in sorted(m.metrics.items()):
        out.add_row(f"metric {key}", num(value))
    show(out)


@app.command("delete")
def delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="models/ID")]) -> None:
    """Delete a model and its weights."""
    with connect(ctx) as client:
        client.delete_model(name)
    console.print(f"deleted {name}")


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="models/ID, or a built-in model name such as kiln-gpt-tiny")],
    target: Annotated[DeployTarget, typer.Option(help="Where to serve it.")] = DeployTarget("ray-serve"),
    replicas: Annotated[int, typer.Option(min=1, help="Replicas (fixed size).")] = 1,
    min_replicas: Annotated[int, typer.Option(min=0, help="Autoscaling lower bound (with --max-replicas).")] = 0,
    max_replicas: Annotated[int, typer.Option(min=0, help="Autoscaling upper bound; 0 disables autoscaling.")] = 0,
) -> None:
    """Deploy a model for sampling; returns once its replicas are ready."""
    with connect(ctx) as client, console.status(f"deploying {name} on {target.value}"):
        m = client.deploy_model(name, number(target), replicas, min_replicas, max_replicas)
    console.print(f"{m.name} is {m.deployment.state} on {target.value} ({m.deployment.replicas} replica(s))")


@app.command("undeploy")
def undeploy(ctx: typer.Context, name: Annotated[str, typer.Argument(help="models/ID or built-in name")]) -> None:
    """Remove a model's deployment and free its resources."""
    with connect(ctx) as client:
        client.undeploy_model(name)
    console.print(f"undeployed {name}")


@app.command("export")
def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="models/ID")],
    quantization: Annotated[Quantization, typer.Option(help="Weight format.")] = Quantization("int8"),
    awq: Annotated[bool, typer.Option("--awq", help="Activation-aware scaling (needs --calibration-dataset).")] = False,
    calibration_dataset: Annotated[str, typer.Option(help="datasets/ID of calibration prompts.")] = "",
    group_size: Annotated[int, typer.Option(min=0, help="int4 group size; 0 means 128.")] = 0,
    prune_sparsity: Annotated[float, typer.Option(min=0.0, max=0.99, help="Share of weights pruned.")] = 0.0,
    structured: Annotated[bool, typer.Option("--structured", help="Prune whole rows.")] = False,
) -> None:
    """Compress a model into a new one (int8 / int4 weights, pruning); serve it with --target triton."""
    with connect(ctx) as client, console.status(f"exporting {name} ({quantization.value})"):
        m = client.export_model(
            name,
            number(quantization),
            activation_aware=awq,
            calibration_dataset=calibration_dataset,
            group_size=group_size,
            prune_sparsity=prune_sparsity,
            structured_pruning=structured,
        )
    console.print(f"exported {m.name}: {size(m.size_bytes)}", highlight=False)
    for key, value in sorted(m.metrics.items()):
        console.print(f"  {key}: {num(value)}", highlight=False)
