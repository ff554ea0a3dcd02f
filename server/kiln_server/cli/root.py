"""The `kiln` app: global options, one sub-app per noun, and `main()` (the console script).

kiln serve                                   run the gateway (embedded Redis, local Ray)
kiln admin tenants create acme               tenants and API keys, straight in Redis
kiln datasets upload train.jsonl --format sft
kiln jobs create --base-model kiln-gpt-tiny --dataset datasets/ID --watch
kiln demo                                    all of the above in one process
"""

from __future__ import annotations

from typing import Annotated

import typer

from kiln_server.cli import admin, datasets, evaluations, feedback, jobs, models, sweeps
from kiln_server.cli.connect import ClientSettings, quiet_grpc
from kiln_server.cli.demo_command import demo
from kiln_server.cli.sample import sample, sample_images
from kiln_server.cli.serve import serve

app = typer.Typer(
    name="kiln",
    help="Kiln: fine-tune generative models through a gRPC service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.add_typer(admin.app, name="admin")
app.add_typer(datasets.app, name="datasets")
app.add_typer(jobs.app, name="jobs")
app.add_typer(models.app, name="models")
app.command()(sample)
app.command("sample-images")(sample_images)
app.add_typer(feedback.app, name="feedback")
app.add_typer(evaluations.app, name="eval")
app.add_typer(sweeps.app, name="sweeps")
app.command()(demo)


@app.callback()
def _root(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Option(
            envvar="KILN_TARGET",
            show_default=False,
            help="Gateway address host:port (default 127.0.0.1:50051).",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="KILN_API_KEY", show_default=False, help="API key of your tenant."),
    ] = None,
) -> None:
    ctx.obj = ClientSettings(target, api_key)


def main() -> None:
    quiet_grpc()
    app()
