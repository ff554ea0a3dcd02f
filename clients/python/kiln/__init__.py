"""Python client for Kiln, the gRPC service that fine-tunes generative models.

`KilnClient` wraps the generated stubs in `kiln.v1`; every failed call raises `KilnError`.
"""

from kiln.client import KilnClient, KilnError

__all__ = ["KilnClient", "KilnError"]
