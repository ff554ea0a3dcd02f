"""What commands share: the global options, a client from them, and the gateway's config.

grpc, the client and the gateway are imported inside these functions: `--help` stays fast, and
GRPC_VERBOSITY (read once, when grpc is first imported) can still be set by `main()`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from kiln_server.cli.errors import EXIT_FAILED, EXIT_USAGE, fail, print_kiln_error
from kiln_server.cli.render import err_console

if TYPE_CHECKING:
    from kiln import KilnClient
    from kiln_server.platform.config import KilnConfig


@dataclass
class ClientSettings:
    """The global --target and --api-key, handed to every command through the typer context."""

    target: str | None
    api_key: str | None


def quiet_grpc() -> None:
    # Only effective before grpc is first imported in this process; Ray workers started later
    # inherit it too, which keeps their C-core chatter out of the terminal.
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


@contextlib.contextmanager
def connect(ctx: typer.Context) -> Iterator[KilnClient]:
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
        raise fail(str(exc), EXIT_USAGE) from None


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
