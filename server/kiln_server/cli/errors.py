"""Exit statuses, error output, and the one command that adds a missing optional part.

Exit statuses: 1 for a failed request, job or evaluation, 2 for bad input (click's own usage
errors also exit 2), 130 for Ctrl-C, as shells expect.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from typing import TYPE_CHECKING

import typer

from kiln_server.cli.render import err_console

if TYPE_CHECKING:
    from kiln import KilnError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# The tritonserver binary ships inside this wheel. It is installed without its dependencies:
# its pins (numpy<2, protobuf<7) would downgrade what Kiln needs. scripts/install.sh installs
# the same pin (a unit test keeps the two equal).
TRITON_PACKAGE = "nvidia-pytriton==0.7.0"


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Prints the message and returns the exit to raise: `raise fail("...")`."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def triton_install_command() -> str:
    """The one command that adds the tritonserver binary to this Python environment."""
    return f"{shlex.quote(sys.executable)} -m pip install --no-deps {TRITON_PACKAGE}"


def triton_installed() -> bool:
    return importlib.util.find_spec("pytriton") is not None


def missing_part_hint(exc: KilnError) -> str | None:
    """How to add the optional part a failed request needed, if that is why it failed."""
    import grpc

    text = exc.message.lower()
    if exc.code == grpc.StatusCode.FAILED_PRECONDITION and ("pytriton" in text or "tritonserver" in text):
        return (
            f"Triton is optional; add it to the gateway's environment with:\n    {triton_install_command()}\n"
            "then restart the gateway (or point it at a Triton server with KILN_TRITON_URL)"
        )
    return None


def print_kiln_error(exc: KilnError) -> None:
    """The status code and message, each field violation, the retry delay and the request id."""
    err_console.print(f"[bold red]{exc.code.name}[/] [red]{exc.message}[/]", highlight=False)
    for field, description in exc.field_violations:
        err_console.print(f"  [red]{field}[/]: {description}", highlight=False)
    if exc.retry_after_s is not None:
        err_console.print(f"  [dim]retry after {exc.retry_after_s:g}s[/]")
    if exc.request_id:
        err_console.print(f"  [dim]request id {exc.request_id}[/]")
    if hint := missing_part_hint(exc):
        err_console.print(f"[yellow]{hint}[/]", highlight=False, soft_wrap=True)
