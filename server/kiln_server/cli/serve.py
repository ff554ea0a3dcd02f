"""`kiln serve`: run the gateway until SIGINT or SIGTERM, then drain in-flight RPCs and stop.

It reaches the gateway through two points only: KilnConfig (flags over KILN_* env) and
create_server. Ray is joined here, in the main thread, before the gateway's loop runs.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kiln_server.cli.choices import LogLevel
from kiln_server.cli.connect import load_config, quiet_grpc
from kiln_server.cli.errors import EXIT_INTERRUPTED, fail, triton_install_command, triton_installed
from kiln_server.cli.render import console

if TYPE_CHECKING:
    from kiln_server.platform.config import KilnConfig


class StartupError(Exception):
    """The gateway did not come up (port taken, Redis or Ray unreachable, ...)."""


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
    tls_cert_file: Annotated[
        Path | None,
        typer.Option(help="PEM server certificate: serve TLS [KILN_TLS_CERT_FILE].", show_default=False),
    ] = None,
    tls_key_file: Annotated[
        Path | None,
        typer.Option(help="PEM key of --tls-cert-file [KILN_TLS_KEY_FILE].", show_default=False),
    ] = None,
    tls_client_ca_file: Annotated[
        Path | None,
        typer.Option(
            help="PEM CA of client certificates: require mutual TLS [KILN_TLS_CLIENT_CA_FILE].", show_default=False
        ),
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
        tls_cert_file=tls_cert_file,
        tls_key_file=tls_key_file,
        tls_client_ca_file=tls_client_ca_file,
        log_level=log_level.value if log_level else None,
    )
    quiet_grpc()
    from kiln_server.platform.logs import setup_logging

    setup_logging(config.log_level, config.log_json)
    try:
        _join_ray(config)
        asyncio.run(_serve(config))
    except KeyboardInterrupt:  # a second Ctrl-C while draining: stop without waiting
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except StartupError as exc:
        raise fail(f"the gateway could not start: {exc}") from None


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


def _triton_row(config: KilnConfig) -> str:
    if config.triton_url:
        return config.triton_url
    if triton_installed():
        return "local tritonserver, started on the first Triton deployment"
    return f"[yellow]not installed[/] (optional; add it with: {triton_install_command()})"


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
    summary.add_row("triton", _triton_row(config))
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
