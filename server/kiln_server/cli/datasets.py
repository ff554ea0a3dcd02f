"""`kiln datasets`: upload, list and delete training datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from kiln_server.cli.choices import DatasetFormat, number
from kiln_server.cli.connect import connect
from kiln_server.cli.render import console, enum_name, show, size, table, timestamp

app = typer.Typer(help="Upload and inspect training datasets.", no_args_is_help=True)


@app.command("upload")
def upload(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A JSONL file.")],
    format: Annotated[DatasetFormat, typer.Option("--format", "-f", help="Record format of every line.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the file name).")] = None,
) -> None:
    """Upload a JSONL dataset; every line is validated against its format."""
    bar = Progress(
        TextColumn(f"uploading {path.name}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console
    )
    with connect(ctx) as client, bar:
        task = bar.add_task("upload", total=path.stat().st_size)
        dataset = client.upload_dataset(
            path, number(format), display_name=name, on_progress=lambda sent, _: bar.update(task, completed=sent)
        )
    console.print(f"uploaded [bold]{dataset.name}[/]: {dataset.num_records} records, {size(dataset.size_bytes)}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List your datasets, newest first."""
    rows = table("NAME", "DISPLAY NAME", "FORMAT", "RECORDS", "SIZE", "SHA256", "CREATED")
    with connect(ctx) as client:
        for d in client.list_datasets():
            rows.add_row(
                d.name,
                d.display_name,
                enum_name(d.DESCRIPTOR.fields_by_name["format"], d.format),
                str(d.num_records),
                size(d.size_bytes),
                d.sha256[:12],
                timestamp(d.create_time),
            )
    show(rows)


@app.command("delete")
def delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="datasets/ID")]) -> None:
    """Delete a dataset and its stored bytes."""
    with connect(ctx) as client:
        client.delete_dataset(name)
    console.print(f"deleted {name}")
