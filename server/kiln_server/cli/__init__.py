"""The `kiln` command line: run the gateway, manage tenants and keys, and drive the API.

    kiln serve                                   run the gateway (embedded Redis, local Ray)
    kiln admin tenants create acme               tenants and API keys, straight in Redis
    kiln datasets upload train.jsonl --format sft
    kiln jobs create --base-model kiln-gpt-tiny --dataset datasets/ID --watch
    kiln demo                                    all of the above in one process

grpc, the gateway and the stores are imported inside the commands that use them: `--help`
stays fast, and GRPC_VERBOSITY (read once, when grpc is first imported) can still be set.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.resources
import os
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.table import Column, Table
from rich.text import Text

if TYPE_CHECKING:
    from google.protobuf.timestamp_pb2 import Timestamp

    from kiln import KilnClient, KilnError
    from kiln.v1 import jobs_pb2
    from kiln_server.cli.demo import BackgroundServer
    from kiln_server.platform.config import KilnConfig
    from kiln_server.tenants.store import TenantStore

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="kiln",
    help="Kiln: fine-tune generative models through a gRPC service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
admin_app = typer.Typer(
    help="Tenants and API keys, written straight to Redis (no gateway needed).",
    no_args_is_help=True,
)
tenants_app = typer.Typer(help="Create and list tenants.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
datasets_app = typer.Typer(help="Upload and inspect training datasets.", no_args_is_help=True)
jobs_app = typer.Typer(help="Create, watch and cancel training jobs.", no_args_is_help=True)
models_app = typer.Typer(help="Inspect the models jobs registered.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
admin_app.add_typer(tenants_app, name="tenants")
admin_app.add_typer(keys_app, name="keys")
app.add_typer(datasets_app, name="datasets")
app.add_typer(jobs_app, name="jobs")
app.add_typer(models_app, name="models")

# Exit statuses: 1 for a failed request or job, 2 for bad input (click's own usage errors
# also exit 2), 130 for Ctrl-C, as shells expect.
EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class LogLevel(StrEnum):
    debug = "DEBUG"
    info = "INFO"
    warning = "WARNING"
    error = "ERROR"


class DatasetFormat(StrEnum):
    sft = "sft"
    preference = "preference"
    prompts = "prompts"


class Method(StrEnum):
    sft = "sft"
    reward_model = "reward_model"
    ppo = "ppo"
    dpo = "dpo"
    distill = "distill"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    retrying = "retrying"


_STATE_STYLE = {
    "QUEUED": "yellow",
    "RUNNING": "cyan",
    "RETRYING": "yellow",
    "SUCCEEDED": "green",
    "FAILED": "red",
    "CANCELLED": "magenta",
}
_FINAL_STATES = {"SUCCEEDED", "FAILED", "CANCELLED"}


def _quiet_grpc() -> None:
    # Only effective before grpc is first imported in this process; Ray workers started later
    # inherit it too, which keeps their C-core chatter out of the terminal.
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


def main() -> None:
    _quiet_grpc()
    app()


# -- global options ------------------------------------------------------------------------------
@dataclass
class ClientSettings:
    target: str | None
    api_key: str | None


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


# -- errors and config ---------------------------------------------------------------------------
def _fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def print_kiln_error(exc: KilnError) -> None:
    err_console.print(f"[bold red]{exc.code.name}[/] [red]{exc.message}[/]", highlight=False)
    for field, description in exc.field_violations:
        err_console.print(f"  [red]{field}[/]: {description}", highlight=False)
    if exc.retry_after_s is not None:
        err_console.print(f"  [dim]retry after {exc.retry_after_s:g}s[/]")
    if exc.request_id:
        err_console.print(f"  [dim]request id {exc.request_id}[/]")


@contextlib.contextmanager
def _connect(ctx: typer.Context) -> Iterator[KilnClient]:
    """A client from the global options; a failed RPC prints its details and exits non-zero."""
    from kiln import KilnClient, KilnError

    settings = ctx.find_object(ClientSettings) or ClientSettings(None, None)
    try:
        with KilnClient(settings.target, settings.api_key) as client:
            yield client
    except KilnError as exc:
        print_kiln_error(exc)
        raise typer.Exit(EXIT_FAILED) from None
    except ValueError as exc:  # the client rejected an argument before sending anything
        raise _fail(str(exc), EXIT_USAGE) from None


def load_config(**overrides: Any) -> KilnConfig:
    """KilnConfig from KILN_* env with the given (non-None) overrides; exits 2 when invalid."""
    from pydantic import ValidationError

    from kiln_server.platform.config import KilnConfig

    try:
        return KilnConfig(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err_console.print("[bold red]invalid configuration:[/]")
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            source = f"--{name.replace('_', '-')} / KILN_{name.upper()}"
            err_console.print(f"  [red]{source}[/]: {error['msg']} (got {error.get('input')!r})", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None


# -- serve -----------------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Bind address [KILN_HOST, default 127.0.0.1].", show_default=False),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="gRPC port, 0 picks a free one [KILN_PORT, default 50051].", show_default=False),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Embedded Redis, scratch and artifacts [KILN_DATA_DIR, default .kiln].",
            show_default=False,
        ),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(
            help="External Redis; unset runs an embedded one in the data dir [KILN_REDIS_URL].",
            show_default=False,
        ),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Existing Ray cluster; unset starts a local one [KILN_RAY_ADDRESS].",
            show_default=False,
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus metrics on this port [KILN_METRICS_PORT].", show_default=False),
    ] = None,
    log_level: Annotated[
        LogLevel | None,
        typer.Option(
            help="Log level [KILN_LOG_LEVEL, default INFO].",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
) -> None:
    """Run the gateway until SIGINT or SIGTERM, then drain in-flight RPCs and stop."""
    config = load_config(
        host=host,
        port=port,
        data_dir=data_dir,
        redis_url=redis_url,
        ray_address=ray_address,
        metrics_port=metrics_port,
        log_level=log_level.value if log_level else None,
    )
    _quiet_grpc()
    from kiln_server.platform.logs import setup_logging

    setup_logging(config.log_level, config.log_json)
    try:
        _join_ray(config)
        asyncio.run(_serve(config))
    except KeyboardInterrupt:  # a second Ctrl-C while draining: stop without waiting
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except StartupError as exc:
        raise _fail(f"the gateway could not start: {exc}") from None


class StartupError(Exception):
    """The gateway did not come up (port taken, Redis or Ray unreachable, ...)."""


def _join_ray(config: KilnConfig) -> None:
    """Connects to (or starts) Ray in the main thread, before the gateway's loop runs.

    The scheduler would otherwise call ray.init from a worker thread, where Ray cannot install
    its signal handlers and its shutdown at exit stalls for ~15 s; it reuses this connection.
    """
    from kiln_server.jobs.scheduler import init_ray

    try:
        init_ray(config)
    except Exception as exc:
        raise StartupError(f"Ray: {type(exc).__name__}: {exc}") from exc


async def _serve(config: KilnConfig) -> None:
    from kiln_server.platform.app import create_server

    try:
        server, port = await create_server(config)
    except Exception as exc:
        raise StartupError(f"{type(exc).__name__}: {exc}") from exc
    metrics_server = None
    try:
        await server.start()
        if config.metrics_port is not None:
            from prometheus_client import start_http_server

            metrics_server, _ = start_http_server(config.metrics_port, addr=config.host)
    except Exception as exc:
        await server.stop(grace=0)
        raise StartupError(f"{type(exc).__name__}: {exc}") from exc

    summary = Table.grid(padding=(0, 2))
    summary.add_row("[bold green]kiln serving on[/]", f"[bold]{config.host}:{port}[/]")
    summary.add_row("data dir", str(config.data_dir.resolve()))
    summary.add_row("redis", config.redis_url or f"embedded ({config.data_dir / 'redis'})")
    summary.add_row("ray", config.ray_address or "local instance")
    if metrics_server is not None:
        summary.add_row("metrics", f"http://{config.host}:{metrics_server.server_port}/metrics")
    console.print(summary)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for sig in signals:  # a second Ctrl-C now interrupts the drain instead of being ignored
        loop.remove_signal_handler(sig)
    console.print(f"stopping: draining RPCs for up to {config.shutdown_grace_s:g}s")
    await server.stop()
    if metrics_server is not None:
        metrics_server.shutdown()
    console.print("stopped")


# -- admin -----------------------------------------------------------------------------------------
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="Data dir whose embedded Redis is used when no Redis URL is set [KILN_DATA_DIR, default .kiln].",
        show_default=False,
    ),
]
RedisUrlOption = Annotated[str | None, typer.Option(help="Redis to use [KILN_REDIS_URL].", show_default=False)]
RedisPrefixOption = Annotated[
    str | None,
    typer.Option(help="Key prefix of the deployment [KILN_REDIS_PREFIX, default kiln].", show_default=False),
]


def _admin(
    data_dir: Path | None,
    redis_url: str | None,
    redis_prefix: str | None,
    action: Callable[[TenantStore], Awaitable[T]],
) -> T:
    """Runs `action` against the deployment's TenantStore; domain errors exit non-zero."""
    config = load_config(data_dir=data_dir, redis_url=redis_url, redis_prefix=redis_prefix)
    import redis

    from kiln_server.platform import errors

    try:
        return asyncio.run(_with_tenant_store(config, action))
    except errors.KilnError as exc:
        code = EXIT_USAGE if isinstance(exc, errors.InvalidArgument) else EXIT_FAILED
        raise _fail(exc.message, code) from None
    except (redis.RedisError, RuntimeError) as exc:
        raise _fail(f"cannot reach Redis: {exc}") from None


async def _with_tenant_store(config: KilnConfig, action: Callable[[TenantStore], Awaitable[T]]) -> T:
    import redis.asyncio as aioredis

    from kiln_server.platform.app import connect_redis
    from kiln_server.platform.keys import Keys
    from kiln_server.tenants.store import TenantStore

    # Reuses a gateway's embedded Redis when one runs; one started here is stopped afterwards.
    url, embedded = await asyncio.to_thread(connect_redis, config)
    client = aioredis.Redis.from_url(url)
    try:
        return await action(TenantStore(client, Keys(config.redis_prefix)))
    finally:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Argument(help="Tenant id: lowercase letters, digits and dashes.")],
    display_name: Annotated[str, typer.Option(help="Human-readable name (default: the id).")] = "",
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Create a tenant (a no-op if it exists)."""
    created = _admin(data_dir, redis_url, redis_prefix, lambda store: store.create_tenant(name, display_name))
    if created:
        console.print(f"created tenant [bold]{name}[/]; next: kiln admin keys create {name}")
    else:
        console.print(f"tenant [bold]{name}[/] already exists")


@tenants_app.command("list")
def tenants_list(
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """List tenants with their number of API keys."""

    async def rows(store: TenantStore) -> list[tuple[str, str, int, str]]:
        out = []
        for tenant in await store.tenants():
            info = await store.redis.hgetall(store.keys.tenant(tenant))
            n_keys = await store.redis.hlen(store.keys.tenant_keys(tenant))
            out.append(
                (
                    tenant,
                    info.get(b"display_name", b"").decode(),
                    n_keys,
                    _ms_time(info.get(b"create_time")),
                )
            )
        return out

    table = _table("TENANT", "DISPLAY NAME", "KEYS", "CREATED")
    for tenant, display, n_keys, created in _admin(data_dir, redis_url, redis_prefix, rows):
        table.add_row(tenant, display, str(n_keys), created)
    _show(table)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Argument(help="The tenant the key acts for.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the secret (for scripts).")] = False,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Create an API key; the secret is printed once and never stored in clear."""
    key_id, secret = _admin(data_dir, redis_url, redis_prefix, lambda store: store.create_key(tenant))
    if quiet:
        typer.echo(secret)
        return
    console.print(f"created key [bold]{key_id}[/] for tenant [bold]{tenant}[/]")
    console.print(f"secret: [bold green]{secret}[/]", highlight=False, soft_wrap=True)
    console.print("[yellow]store it now: it cannot be shown again.[/] Use it as KILN_API_KEY or --api-key.")


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str, typer.Argument(help="The tenant whose keys to list.")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """List a tenant's key ids (never the secrets)."""

    async def rows(store: TenantStore) -> list[tuple[str, str]]:
        out = []
        for key_id, digest in sorted((await store.redis.hgetall(store.keys.tenant_keys(tenant))).items()):
            created = await store.redis.hget(store.keys.api_key(digest.decode()), "create_time")
            out.append((key_id.decode(), _ms_time(created)))
        return out

    table = _table("KEY ID", "CREATED")
    for key_id, created in _admin(data_dir, redis_url, redis_prefix, rows):
        table.add_row(key_id, created)
    _show(table)


@keys_app.command("revoke")
def keys_revoke(
    tenant: Annotated[str, typer.Argument(help="The tenant that owns the key.")],
    key_id: Annotated[str, typer.Argument(help="The key id shown at creation (not the secret).")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Revoke an API key; requests with it fail UNAUTHENTICATED from now on."""
    if not _admin(data_dir, redis_url, redis_prefix, lambda store: store.revoke_key(tenant, key_id)):
        raise _fail(f"tenant {tenant!r} has no key {key_id!r}")
    console.print(f"revoked key [bold]{key_id}[/] of tenant [bold]{tenant}[/]")


# -- datasets --------------------------------------------------------------------------------------
@datasets_app.command("upload")
def datasets_upload(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A JSONL file.")],
    format: Annotated[DatasetFormat, typer.Option("--format", "-f", help="Record format of every line.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the file name).")] = None,
) -> None:
    """Upload a JSONL dataset; every line is validated against its format."""
    with _connect(ctx) as client, console.status(f"uploading {path.name}"):
        dataset = client.upload_dataset(path, format.value, display_name=name)
    console.print(f"uploaded [bold]{dataset.name}[/]: {dataset.num_records} records, {_bytes(dataset.size_bytes)}")


@datasets_app.command("list")
def datasets_list(ctx: typer.Context) -> None:
    """List your datasets, newest first."""
    table = _table("NAME", "DISPLAY NAME", "FORMAT", "RECORDS", "SIZE", "SHA256", "CREATED")
    with _connect(ctx) as client:
        for d in client.list_datasets():
            table.add_row(
                d.name,
                d.display_name,
                _enum_name(d.DESCRIPTOR.fields_by_name["format"], d.format),
                str(d.num_records),
                _bytes(d.size_bytes),
                d.sha256[:12],
                _time(d.create_time),
            )
    _show(table)


@datasets_app.command("delete")
def datasets_delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="datasets/ID")]) -> None:
    """Delete a dataset and its stored bytes."""
    with _connect(ctx) as client:
        client.delete_dataset(name)
    console.print(f"deleted {name}")


# -- jobs ------------------------------------------------------------------------------------------
@jobs_app.command("create")
def jobs_create(
    ctx: typer.Context,
    base_model: Annotated[str, typer.Option(help="kiln-gpt-tiny, models/ID or a local model dir.")],
    dataset: Annotated[str, typer.Option(help="Training dataset, datasets/ID.")],
    method: Annotated[Method, typer.Option(help="Training algorithm.")] = Method.sft,
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
    max_retries: Annotated[int | None, typer.Option(help="Retries of a dead worker.", show_default=False)] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="A field of the method's config as KEY=VALUE (JSON values), "
            'e.g. -o beta=0.1 (dpo), -o \'reward={"scoring_function": "length"}\' (ppo).',
        ),
    ] = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Follow the job until it ends.")] = False,
) -> None:
    """Create a training job (unset hyperparameters take the server's defaults)."""
    method_config = _key_values(option or [])
    hyperparameters = {
        "learning_rate": lr,
        "epochs": epochs,
        "max_steps": max_steps,
        "batch_size": batch_size,
        "max_seq_len": max_seq_len,
    }
    resources = {"workers": workers, "gpus": gpus}
    with _connect(ctx) as client:
        job = client.create_job(
            base_model,
            dataset,
            method=method.value,
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
        final = watch_job(client, job.name)
    raise typer.Exit(0 if _state(final.state) == "SUCCEEDED" else EXIT_FAILED)


def _key_values(items: list[str]) -> dict[str, Any]:
    """["beta=0.1", "loss=PREFERENCE_LOSS_IPO"] -> {"beta": 0.1, "loss": "PREFERENCE_LOSS_IPO"}."""
    import json

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise _fail(f"--option wants KEY=VALUE, got {item!r}", EXIT_USAGE)
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw  # a bare word: an enum name, a model name, ...
    return out


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    state: Annotated[JobState | None, typer.Option(help="Only jobs in this state.", show_default=False)] = None,
) -> None:
    """List your jobs, newest first."""
    table = _table("NAME", "DISPLAY NAME", "METHOD", "STATE", "STEP", "LOSS", "CREATED")
    with _connect(ctx) as client:
        for job in client.list_jobs(state=state.value if state else None):
            loss = job.latest_metrics.get("loss")
            table.add_row(
                job.name,
                job.display_name,
                _enum_name(job.DESCRIPTOR.fields_by_name["method"], job.method),
                _state_text(job.state),
                _steps(job),
                _num(loss),
                _time(job.create_time),
            )
    _show(table)


@jobs_app.command("get")
def jobs_get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="jobs/ID")]) -> None:
    """Show a job: state, progress, metrics, artifacts and error."""
    with _connect(ctx) as client:
        job = client.get_job(name)
    table = _details(
        [
            ("name", job.name),
            ("display name", job.display_name),
            ("method", _enum_name(job.DESCRIPTOR.fields_by_name["method"], job.method)),
            ("state", _state_text(job.state)),
            ("attempt", str(job.attempt)),
            ("step", _steps(job)),
            ("base model", job.base_model),
            ("dataset", job.training_dataset),
            ("validation dataset", job.validation_dataset or "-"),
            ("output model", job.output_model or "-"),
            ("created", _time(job.create_time)),
            ("started", _time(job.start_time)),
            ("ended", _time(job.end_time)),
        ]
    )
    for key, value in sorted(job.latest_metrics.items()):
        table.add_row(f"metric {key}", _num(value))
    for key, uri in sorted(job.artifacts.items()):
        table.add_row(f"artifact {key}", uri)
    if job.error:
        table.add_row("error", Text(job.error, style="red"))
    _show(table)


@jobs_app.command("watch")
def jobs_watch(ctx: typer.Context, name: Annotated[str, typer.Argument(help="jobs/ID")]) -> None:
    """Follow a job with a progress bar; exits 0 if it succeeds, 1 if it fails or is cancelled."""
    with _connect(ctx) as client:
        try:
            final = watch_job(client, name)
        except KeyboardInterrupt:
            console.print(f"stopped watching; the job keeps running (kiln jobs cancel {name} stops it)")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(0 if _state(final.state) == "SUCCEEDED" else EXIT_FAILED)


@jobs_app.command("cancel")
def jobs_cancel(ctx: typer.Context, name: Annotated[str, typer.Argument(help="jobs/ID")]) -> None:
    """Cancel a job; a running one stops at its next step."""
    with _connect(ctx) as client:
        job = client.cancel_job(name)
    console.print(Text.assemble(f"{job.name}: ", _state_text(job.state)))


# -- models ----------------------------------------------------------------------------------------
@models_app.command("list")
def models_list(ctx: typer.Context) -> None:
    """List your models, newest first."""
    table = _table("NAME", "DISPLAY NAME", "FAMILY", "BASE MODEL", "SOURCE JOB", "PARAMS", "SIZE", "CREATED")
    with _connect(ctx) as client:
        for m in client.list_models():
            table.add_row(
                m.name,
                m.display_name,
                _enum_name(m.DESCRIPTOR.fields_by_name["family"], m.family),
                m.base_model,
                m.source_job or "-",
                f"{m.parameter_count:,}",
                _bytes(m.size_bytes),
                _time(m.create_time),
            )
    _show(table)


@models_app.command("get")
def models_get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="models/ID")]) -> None:
    """Show a model: lineage, weights location and training metrics."""
    with _connect(ctx) as client:
        m = client.get_model(name)
    table = _details(
        [
            ("name", m.name),
            ("display name", m.display_name),
            ("family", _enum_name(m.DESCRIPTOR.fields_by_name["family"], m.family)),
            ("base model", m.base_model),
            ("source job", m.source_job or "-"),
            ("weights", m.artifact_uri),
            ("version", m.version),
            ("parameters", f"{m.parameter_count:,}"),
            ("size", _bytes(m.size_bytes)),
            ("created", _time(m.create_time)),
        ]
    )
    for key, value in sorted(m.metrics.items()):
        table.add_row(f"metric {key}", _num(value))
    _show(table)


@models_app.command("delete")
def models_delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="models/ID")]) -> None:
    """Delete a model and its weights."""
    with _connect(ctx) as client:
        client.delete_model(name)
    console.print(f"deleted {name}")


class DeployTarget(StrEnum):
    ray_serve = "ray-serve"
    triton = "triton"


@models_app.command("deploy")
def models_deploy(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="models/ID, or a built-in model name such as kiln-gpt-tiny")],
    target: Annotated[DeployTarget, typer.Option(help="Where to serve it.")] = DeployTarget.ray_serve,
    replicas: Annotated[int, typer.Option(min=1, help="Replicas (fixed size).")] = 1,
    min_replicas: Annotated[int, typer.Option(min=0, help="Autoscaling lower bound (with --max-replicas).")] = 0,
    max_replicas: Annotated[int, typer.Option(min=0, help="Autoscaling upper bound; 0 disables autoscaling.")] = 0,
) -> None:
    """Deploy a model for sampling; returns once its replicas are ready."""
    with _connect(ctx) as client, console.status(f"deploying {name} on {target.value}"):
        m = client.deploy_model(name, target.value.upper().replace("-", "_"), replicas, min_replicas, max_replicas)
    console.print(f"{m.name} is {m.deployment.state} on {target.value} ({m.deployment.replicas} replica(s))")


class QuantizationChoice(StrEnum):
    none = "none"
    int8 = "int8"
    int4 = "int4"


@models_app.command("export")
def models_export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="models/ID")],
    quantization: Annotated[QuantizationChoice, typer.Option(help="Weight format.")] = QuantizationChoice.int8,
    awq: Annotated[bool, typer.Option("--awq", help="Activation-aware scaling (needs --calibration-dataset).")] = False,
    calibration_dataset: Annotated[str, typer.Option(help="datasets/ID of calibration prompts.")] = "",
    group_size: Annotated[int, typer.Option(min=0, help="int4 group size; 0 means 128.")] = 0,
    prune_sparsity: Annotated[float, typer.Option(min=0.0, max=0.99, help="Share of weights pruned.")] = 0.0,
    structured: Annotated[bool, typer.Option("--structured", help="Prune whole rows.")] = False,
) -> None:
    """Compress a model into a new one (int8 / int4 weights, pruning); serve it with --target triton."""
    q = "UNSPECIFIED" if quantization is QuantizationChoice.none else quantization.value.upper()
    with _connect(ctx) as client, console.status(f"exporting {name} ({quantization.value})"):
        m = client.export_model(
            name,
            q,
            activation_aware=awq,
            calibration_dataset=calibration_dataset,
            group_size=group_size,
            prune_sparsity=prune_sparsity,
            structured_pruning=structured,
        )
    console.print(f"exported {m.name}: {_bytes(m.size_bytes)}", highlight=False)
    for key, value in sorted(m.metrics.items()):
        console.print(f"  {key}: {_num(value)}", highlight=False)


@models_app.command("undeploy")
def models_undeploy(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="models/ID or built-in name")]
) -> None:
    """Remove a model's deployment and free its resources."""
    with _connect(ctx) as client:
        client.undeploy_model(name)
    console.print(f"undeployed {name}")


@app.command()
def sample(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="A deployed model: models/ID or a built-in name")],
    prompt: Annotated[str, typer.Argument(help="The text to continue")],
    max_tokens: Annotated[int | None, typer.Option(min=1, help="Most new tokens")] = None,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0, help="0 is greedy")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling mass, in (0, 1]")] = 1.0,
    top_k: Annotated[int, typer.Option(min=0, help="Keep the k most likely tokens; 0 disables")] = 0,
    seed: Annotated[int | None, typer.Option(min=0, help="Same seed, same output")] = None,
    stop: Annotated[list[str] | None, typer.Option(help="Stop before this string (repeatable)")] = None,
    n: Annotated[int, typer.Option(min=1, max=16, help="Completions to draw")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the result cache")] = False,
) -> None:
    """Stream completions to the terminal as tokens arrive (samples are labelled when n > 1)."""
    params: dict[str, Any] = {"temperature": temperature, "top_p": top_p, "top_k": top_k, "stop": stop or []}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    if seed is not None:
        params["seed"] = seed
    with _connect(ctx) as client:
        last_index = None
        for msg in client.generate_stream(model, prompt, n=n, bypass_cache=no_cache, **params):
            if msg.HasField("usage"):
                console.print()
                cached = " (cached)" if msg.cached else ""
                err_console.print(
                    f"[dim]{msg.usage.prompt_tokens} prompt + {msg.usage.completion_tokens} "
                    f"completion tokens, {msg.model_version}{cached}[/]"
                )
                continue
            if n > 1 and msg.index != last_index:
                console.print(f"\n[bold cyan][{msg.index}][/] ", end="")
                last_index = msg.index
            console.print(msg.text, end="", highlight=False, markup=False, soft_wrap=True)
            if msg.finish_reason and n == 1:
                reason = _enum_name(msg.DESCRIPTOR.fields_by_name["finish_reason"], msg.finish_reason)
                err_console.print(f"\n[dim]finished: {reason.lower()} ({msg.sample_id})[/]", end="")


# -- watching a job --------------------------------------------------------------------------------
class _EtaColumn(ProgressColumn):
    """ETA from the steps' server timestamps, so a replayed history does not skew the rate."""

    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        return Text(f"eta {_duration(eta)}" if eta is not None else "eta -", style="cyan")


class _StepRate:
    """Steps per second over the last few metric events, timed by the server."""

    def __init__(self, window: int = 10):
        self.points: deque[tuple[float, int]] = deque(maxlen=window)

    def add(self, t: float, step: int) -> None:
        if not self.points or step > self.points[-1][1]:
            self.points.append((t, step))

    def eta(self, step: int, total: int) -> float | None:
        if len(self.points) < 2 or not total:
            return None
        (t0, s0), (t1, s1) = self.points[0], self.points[-1]
        return (total - step) * (t1 - t0) / (s1 - s0) if t1 > t0 else None


def watch_job(client: KilnClient, name: str, out: Console | None = None) -> jobs_pb2.Job:
    """Follows a job to its end with a live progress bar; log lines and states print above it."""
    out = out or console
    job = client.get_job(name)
    rate = _StepRate()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TextColumn("val {task.fields[val_loss]}"),
        TextColumn("{task.fields[tps]} tok/s"),
        _EtaColumn(),
        console=out,
    )
    with progress:
        task = progress.add_task(name, total=None, loss="-", val_loss="-", tps="-", eta=None)
        for event in client.watch_job(name):
            stamp = time.strftime("%H:%M:%S", time.localtime(event.time.seconds))
            kind = event.WhichOneof("kind")
            if kind == "metrics":
                m = event.metrics
                values = m.values
                rate.add(event.time.ToNanoseconds() / 1e9, m.step)
                fields: dict[str, Any] = {"eta": rate.eta(m.step, m.total_steps)}
                if "loss" in values:
                    fields["loss"] = f"{values['loss']:.4f}"
                if "val_loss" in values:
                    fields["val_loss"] = f"{values['val_loss']:.4f}"
                if "tokens_per_s" in values:
                    fields["tps"] = f"{values['tokens_per_s']:,.0f}"
                progress.update(task, completed=m.step, total=m.total_steps or None, **fields)
            elif kind == "state_change":
                change = event.state_change
                state = _state(change.state)
                reason = f": {change.reason}" if change.reason else ""
                progress.console.print(
                    Text.assemble(
                        (stamp, "dim"),
                        " ",
                        _state_text(change.state),
                        f" attempt {change.attempt}{reason}",
                    )
                )
                if state in _FINAL_STATES:
                    progress.update(task, eta=None)
            elif kind == "checkpoint":
                progress.console.print(
                    f"[dim]{stamp}[/] checkpoint at step {event.checkpoint.step}: {event.checkpoint.uri}",
                    highlight=False,
                )
            elif kind == "log":
                style = {"error": "red", "warning": "yellow", "debug": "dim"}.get(event.log.level, "")
                progress.console.print(Text.assemble((stamp, "dim"), " ", (event.log.message.rstrip(), style)))
    return client.get_job(job.name)


# -- demo ------------------------------------------------------------------------------------------
DEMO_MODEL = "kiln-gpt-tiny"


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


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps Redis data and artifacts.")] = Path(".kiln-demo"),
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps to train.")] = 200,
) -> None:
    """Train a tiny model end to end: gateway, dataset upload, SFT job, registered model."""
    _quiet_grpc()
    config = load_config(data_dir=data_dir, host="127.0.0.1", port=0, log_level="WARNING", log_json=False)
    from kiln_server.cli.demo import BackgroundServer
    from kiln_server.platform.logs import setup_logging

    setup_logging(config.log_level, config.log_json)
    dataset_ref = importlib.resources.files("kiln_trainer.data") / "assets" / "demo_sft.jsonl"
    if not dataset_ref.is_file():
        raise _fail(f"the demo dataset is missing: {dataset_ref}")
    blob = dataset_ref.read_bytes()

    with console.status("starting the gateway (embedded Redis, local Ray)"):
        try:
            server = BackgroundServer(config).start()
        except Exception as exc:  # Redis, Ray or the port: nothing to clean up, say why
            raise _fail(f"the gateway could not start: {type(exc).__name__}: {exc}") from None
    console.print(f"gateway on [bold]{server.target}[/], data in {config.data_dir.resolve()}")
    try:
        final = _run_demo(server, blob, steps, config.data_dir)
    finally:
        with console.status("stopping the gateway"):
            server.stop()
    raise typer.Exit(0 if _state(final.state) == "SUCCEEDED" else EXIT_FAILED)


def _run_demo(server: BackgroundServer, blob: bytes, steps: int, data_dir: Path) -> jobs_pb2.Job:
    """Tenant, key, upload, job, watch, summary; returns the finished job."""
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
            final = watch_job(client, job.name)
            _demo_summary(client, final, key, data_dir)
            if final.output_model:
                _demo_sample(client, final.output_model)
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


DEMO_PROMPTS = ("Convert to uppercase: window bridge\n", "Reverse the word: light\n")


def _demo_sample(client: KilnClient, model: str) -> None:
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


def _demo_summary(client: KilnClient, job: jobs_pb2.Job, key: str, data_dir: Path) -> None:
    rows: list[tuple[str, Any]] = [
        ("job", job.name),
        ("state", _state_text(job.state)),
        ("steps", _steps(job)),
        ("final loss", _num(job.latest_metrics.get("loss"))),
        ("final val loss", _num(job.latest_metrics.get("val_loss"))),
    ]
    if job.error:
        rows.append(("error", Text(job.error, style="red")))
    if job.output_model:
        model = client.get_model(job.output_model)
        rows += [("model", model.name), ("weights", model.artifact_uri)]
    rows.append(("loss curve", job.artifacts.get("loss_curve.png", "-")))
    _show(_details(rows, title="kiln demo"))
    if job.output_model:
        console.print(
            f"explore it: [bold]kiln serve --data-dir {data_dir}[/] and, in another shell, "
            f"[bold]KILN_API_KEY={key} kiln models get {job.output_model}[/]",
            highlight=False,
            soft_wrap=True,
        )


# -- formatting ------------------------------------------------------------------------------------
# Free text gives way on a narrow terminal; names, ids, numbers and times stay whole on one
# line, so they can be copied.
_WRAPPING = {"DISPLAY NAME", "BASE MODEL", "SOURCE JOB"}


def _table(*headers: str) -> Table:
    return Table(*(Column(h, no_wrap=h not in _WRAPPING, overflow="fold") for h in headers))


def _show(table: Table) -> None:
    # A pipe gets rich's 80-column default; there the table takes the width it needs, so
    # `kiln jobs list | grep ...` sees whole rows.
    if console.is_terminal:
        console.print(table)
    else:
        unbounded = console.options.update_width(10_000)
        Console(width=max(console.width, console.measure(table, options=unbounded).maximum)).print(table)


def _details(rows: list[tuple[str, Any]], title: str | None = None) -> Table:
    table = Table(show_header=False, title=title, title_justify="left", box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    return table


def _state(number: int) -> str:
    from kiln.v1 import jobs_pb2

    return jobs_pb2.JobState.Name(number).removeprefix("JOB_STATE_")


def _state_text(number: int) -> Text:
    state = _state(number)
    return Text(state, style=_STATE_STYLE.get(state, ""))


def _enum_name(field: Any, number: int) -> str:
    """DATASET_FORMAT_SFT -> sft, for any Kiln enum field."""
    values = field.enum_type.values_by_number
    prefix = values[0].name.removesuffix("UNSPECIFIED")
    return values[number].name.removeprefix(prefix).lower() if number in values else str(number)


def _steps(job: jobs_pb2.Job) -> str:
    return f"{job.step}/{job.total_steps}" if job.total_steps else str(job.step)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _time(ts: Timestamp) -> str:
    if not ts.seconds and not ts.nanos:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts.seconds))


def _ms_time(ms: bytes | str | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(ms) / 1000)) if ms else "-"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


# -- feedback --------------------------------------------------------------------------------------
feedback_app = typer.Typer(help="Record feedback on samples and export it as training datasets.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


class Thumb(StrEnum):
    up = "up"
    down = "down"


class ExportKind(StrEnum):
    pairs = "pairs"
    prompts = "prompts"


class TieMode(StrEnum):
    drop = "drop"
    both_orders = "both_orders"


def _feedback_filter(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


@feedback_app.command("submit")
def feedback_submit(
    ctx: typer.Context,
    sample: Annotated[str, typer.Argument(help="The judged sample, samples/ID.")],
    rating: Annotated[
        float | None, typer.Option(help="A score on the scale (default 1 to 5).", show_default=False)
    ] = None,
    scale_min: Annotated[
        float | None, typer.Option(help="Bottom of the rating scale (with --scale-max).", show_default=False)
    ] = None,
    scale_max: Annotated[float | None, typer.Option(help="Top of the rating scale.", show_default=False)] = None,
    thumbs: Annotated[Thumb | None, typer.Option(help="Thumbs up or down.", show_default=False)] = None,
    correction: Annotated[
        str | None, typer.Option(help="The completion as it should have been.", show_default=False)
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="A label; repeat for several.", show_default=False)
    ] = None,
    comment: Annotated[str, typer.Option(help="Free-text remark.")] = "",
    user_id: Annotated[str, typer.Option(help="Pseudonymous id of the person judging.")] = "",
    source: Annotated[str, typer.Option(help='Where the feedback comes from, e.g. "cli".')] = "cli",
    feedback_id: Annotated[str, typer.Option("--id", help="Client-chosen id; resending it stores nothing new.")] = "",
) -> None:
    """Record a rating, thumbs or correction of one sample (exactly one of the three)."""
    given = [
        name for name, v in (("--rating", rating), ("--thumbs", thumbs), ("--correction", correction)) if v is not None
    ]
    if len(given) != 1:
        raise _fail(
            f"give exactly one of --rating, --thumbs, --correction (got {', '.join(given) or 'none'})", EXIT_USAGE
        )
    if (scale_min is not None or scale_max is not None) and rating is None:
        raise _fail("--scale-min/--scale-max go with --rating", EXIT_USAGE)
    scale = (scale_min or 0.0, scale_max or 0.0) if rating is not None else None
    with _connect(ctx) as client:
        fb = client.submit_feedback(
            sample,
            rating=rating,
            scale=scale,
            thumbs=None if thumbs is None else thumbs == Thumb.up,
            correction=correction,
            comment=comment,
            tags=tag or [],
            user_id=user_id,
            source=source,
            feedback_id=feedback_id,
        )
    console.print(f"recorded [bold]{fb.name}[/]: {_signal(fb)} on {fb.sample_id} ({fb.model})", highlight=False)


@feedback_app.command("list")
def feedback_list(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option(help="Only feedback on this model's samples.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only feedback with this tag.")] = None,
    user_id: Annotated[str | None, typer.Option(help="Only feedback from this user id.")] = None,
    source: Annotated[str | None, typer.Option(help="Only feedback from this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
) -> None:
    """List your feedback, newest first."""
    table = _table("NAME", "SAMPLE", "SIGNAL", "MODEL", "TAGS", "USER", "SOURCE", "CREATED")
    flt = _feedback_filter(model=model, tag=tag, user_id=user_id, source=source)
    with _connect(ctx) as client:
        for i, fb in enumerate(client.list_feedback(page_size=min(limit, 1000), **flt)):
            if i == limit:
                break
            table.add_row(
                fb.name,
                fb.sample_id or "-",
                _signal(fb),
                fb.model or "-",
                ",".join(fb.tags) or "-",
                fb.user_id or "-",
                fb.source or "-",
                _time(fb.create_time),
            )
    _show(table)


@feedback_app.command("export")
def feedback_export(
    ctx: typer.Context,
    kind: Annotated[ExportKind, typer.Option(help="Preference pairs (reward model, DPO) or prompts (PPO).")],
    name: Annotated[str, typer.Option(help="Display name of the new dataset.")] = "",
    model: Annotated[str | None, typer.Option(help="Only feedback on this model's samples.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only feedback with this tag.")] = None,
    user_id: Annotated[str | None, typer.Option(help="Only feedback from this user id.")] = None,
    source: Annotated[str | None, typer.Option(help="Only feedback from this source.")] = None,
    min_rating_gap: Annotated[
        float, typer.Option(help="Least score difference of a pair, in [0, 1); 0.25 = one star of five.")
    ] = 0.0,
    ties: Annotated[TieMode, typer.Option(help="Equal scores: no pair, or a pair in both orders.")] = TieMode.drop,
    max_pairs_per_prompt: Annotated[int, typer.Option(min=0, help="Pairs kept per prompt; 0 = all.")] = 0,
    request_id: Annotated[str, typer.Option(help="Idempotency key: a retry returns the first export.")] = "",
) -> None:
    """Turn matching feedback into a new dataset."""
    pairing = {"min_rating_gap": min_rating_gap, "ties": ties.value, "max_pairs_per_prompt": max_pairs_per_prompt}
    with _connect(ctx) as client:
        res = client.export_feedback(
            "preference_pairs" if kind == ExportKind.pairs else "prompts",
            filter=_feedback_filter(model=model, tag=tag, user_id=user_id, source=source),
            pairing=pairing if kind == ExportKind.pairs else None,
            display_name=name,
            request_id=request_id,
        )
    console.print(f"exported [bold]{res.dataset}[/]: {res.record_count} records")
    _show(
        _details(
            [
                ("matched feedback", str(res.matched_feedback_count)),
                ("records written", str(res.record_count)),
                ("dropped ties", str(res.dropped_tie_count)),
                ("dropped below gap", str(res.dropped_gap_count)),
                ("dropped by limit", str(res.dropped_limit_count)),
                ("unused feedback", str(res.unused_feedback_count)),
            ]
        )
    )


def _signal(fb: Any) -> str:
    kind = fb.WhichOneof("signal")
    if kind == "rating":
        lo, hi = (fb.rating.scale_min, fb.rating.scale_max) if fb.rating.scale_max else (1.0, 5.0)
        return f"rating {fb.rating.value:g} ({lo:g}-{hi:g})"
    if kind == "thumbs":
        return "thumbs up" if fb.thumbs.up else "thumbs down"
    return kind or "-"


# -- evaluations -----------------------------------------------------------------------------------
eval_app = typer.Typer(help="Score models on a dataset: perplexity, rewards, KL, diversity.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


class Metric(StrEnum):
    perplexity = "perplexity"
    mean_reward = "mean_reward"
    win_rate = "win_rate"
    kl_to_reference = "kl_to_reference"
    distinct_n = "distinct_n"
    exact_match = "exact_match"


class EvalState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


def _eval_state(number: int) -> str:
    from kiln.v1 import evaluation_pb2

    return evaluation_pb2.EvaluationState.Name(number).removeprefix("EVALUATION_STATE_")


def _eval_state_text(number: int) -> Text:
    state = _eval_state(number)
    return Text(state, style=_STATE_STYLE.get(state, ""))


def _results(results: Any) -> str:
    return "  ".join(f"{k} {_num(v)}" for k, v in sorted(results.items())) or "-"


@eval_app.command("run")
def eval_run(
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
    with _connect(ctx) as client:
        ev = client.create_evaluation(
            model,
            dataset,
            [m.value for m in metric],
            baseline_model=baseline_model,
            reward_model=reward_model,
            reference_model=reference_model,
            sampling={k: v for k, v in sampling.items() if v is not None},
            max_records=max_records,
            display_name=name,
        )
        console.print(Text.assemble(f"created {ev.name} ({ev.display_name}): ", _eval_state_text(ev.state)))
        if not watch:
            if _eval_state(ev.state) == "SUCCEEDED":
                console.print(f"results: {_results(ev.results)}", highlight=False)
            else:
                console.print(f"follow it with: kiln eval watch {ev.name}")
            return
        final = watch_evaluation(client, ev.name)
    raise typer.Exit(0 if _eval_state(final.state) == "SUCCEEDED" else EXIT_FAILED)


@eval_app.command("watch")
def eval_watch(ctx: typer.Context, name: Annotated[str, typer.Argument(help="evaluations/ID")]) -> None:
    """Follow an evaluation with a progress bar; exits 0 if it succeeds, 1 otherwise."""
    with _connect(ctx) as client:
        try:
            final = watch_evaluation(client, name)
        except KeyboardInterrupt:
            console.print("stopped watching; the evaluation keeps running")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(0 if _eval_state(final.state) == "SUCCEEDED" else EXIT_FAILED)


@eval_app.command("get")
def eval_get(ctx: typer.Context, name: Annotated[str, typer.Argument(help="evaluations/ID")]) -> None:
    """Show an evaluation: what it measures, its state, progress and results."""
    with _connect(ctx) as client:
        ev = client.get_evaluation(name)
    metrics_field = ev.DESCRIPTOR.fields_by_name["metrics"]
    table = _details(
        [
            ("name", ev.name),
            ("display name", ev.display_name),
            ("state", _eval_state_text(ev.state)),
            ("model", ev.model),
            ("dataset", ev.dataset),
            ("metrics", ", ".join(_enum_name(metrics_field, m) for m in ev.metrics)),
            ("baseline model", ev.baseline_model or "-"),
            ("reward model", ev.reward_model or "-"),
            ("reference model", ev.reference_model or "-"),
            ("records", f"{ev.completed_records}/{ev.total_records}"),
            ("created", _time(ev.create_time)),
            ("ended", _time(ev.end_time)),
        ]
    )
    for key, value in sorted(ev.results.items()):
        table.add_row(f"result {key}", _num(value))
    if ev.error:
        table.add_row("error", Text(ev.error, style="red"))
    _show(table)


@eval_app.command("list")
def eval_list(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option(help="Only evaluations of this model.", show_default=False)] = None,
    state: Annotated[EvalState | None, typer.Option(help="Only evaluations in this state.", show_default=False)] = None,
) -> None:
    """List your evaluations, newest first."""
    table = _table("NAME", "DISPLAY NAME", "MODEL", "STATE", "RECORDS", "RESULTS", "CREATED")
    with _connect(ctx) as client:
        for ev in client.list_evaluations(model=model, state=state.value if state else None):
            table.add_row(
                ev.name,
                ev.display_name,
                ev.model,
                _eval_state_text(ev.state),
                f"{ev.completed_records}/{ev.total_records}",
                _results(ev.results),
                _time(ev.create_time),
            )
    _show(table)


def watch_evaluation(client: KilnClient, name: str, out: Console | None = None) -> Any:
    """Follows an evaluation to its end with a live bar over its records; states and finished
    metrics print above it. Returns the final Evaluation."""
    out = out or console
    ev = client.get_evaluation(name)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        console=out,
    )
    printed: set[str] = set()
    with progress:
        task = progress.add_task(name, total=ev.total_records or None, completed=ev.completed_records)
        for event in client.watch_evaluation(name):
            stamp = time.strftime("%H:%M:%S", time.localtime(event.time.seconds))
            if event.WhichOneof("kind") == "progress":
                p = event.progress
                progress.update(task, completed=p.completed_records, total=p.total_records or None)
                for key in sorted(set(p.results) - printed):
                    printed.add(key)
                    progress.console.print(f"[dim]{stamp}[/] {key} = [bold]{_num(p.results[key])}[/]")
            else:
                change = event.state_change
                reason = f": {change.reason}" if change.reason else ""
                progress.console.print(Text.assemble((stamp, "dim"), " ", _eval_state_text(change.state), reason))
    final = client.get_evaluation(name)
    if final.error:
        out.print(Text(final.error, style="red"))
    return final


if __name__ == "__main__":
    main()
