"""Python client for Kiln, the gRPC service that fine-tunes generative models.

`KilnClient` wraps the generated stubs in `kiln.v1`; every failed call raises `KilnError`.

The client (and grpc with it) is imported on first use, so `import kiln.v1.jobs_pb2` stays light
and a program can still set GRPC_VERBOSITY, which grpc reads once when it is first imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiln.client import KilnClient
    from kiln.errors import KilnError

__all__ = ["KilnClient", "KilnError"]


def __getattr__(name: str) -> Any:
    if name == "KilnClient":
        from kiln.client import KilnClient

        return KilnClient
    if name == "KilnError":
        from kiln.errors import KilnError

        return KilnError
    raise AttributeError(f"module 'kiln' has no attribute {name!r}")
