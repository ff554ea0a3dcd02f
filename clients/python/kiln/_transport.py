"""The channel, the stubs and the call plumbing that every resource's calls share."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

import grpc

from kiln.errors import KilnError
from kiln.v1 import (
    datasets_pb2_grpc,
    evaluation_pb2_grpc,
    feedback_pb2_grpc,
    jobs_pb2_grpc,
    models_pb2_grpc,
    sampling_pb2_grpc,
    sweeps_pb2_grpc,
)

DEFAULT_TARGET = "127.0.0.1:50051"
# Matches the gateway's receive limit, so a large response page is never cut off client-side.
_MAX_MESSAGE_BYTES = 16 * 1024 * 1024

T = TypeVar("T")


class Transport:
    """Owns the channel and one stub per service; errors become KilnError."""

    def __init__(
        self,
        target: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        credentials: grpc.ChannelCredentials | None = None,
    ):
        self.target = target or os.environ.get("KILN_TARGET") or DEFAULT_TARGET
        api_key = api_key if api_key is not None else os.environ.get("KILN_API_KEY")
        self.timeout = timeout
        self._metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        options = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES)]
        self._channel = (
            grpc.secure_channel(self.target, credentials, options=options)
            if credentials is not None
            else grpc.insecure_channel(self.target, options=options)
        )
        # One stub per service, all made here: a stub is only a table of method callables.
        self._datasets = datasets_pb2_grpc.DatasetServiceStub(self._channel)
        self._jobs = jobs_pb2_grpc.JobServiceStub(self._channel)
        self._models = models_pb2_grpc.ModelServiceStub(self._channel)
        self._sampling = sampling_pb2_grpc.SamplingServiceStub(self._channel)
        self._feedback = feedback_pb2_grpc.FeedbackServiceStub(self._channel)
        self._evaluations = evaluation_pb2_grpc.EvaluationServiceStub(self._channel)
        self._sweeps = sweeps_pb2_grpc.SweepServiceStub(self._channel)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _call(self, rpc: Callable[..., T], request: Any, timeout: float | None = None) -> T:
        try:
            return rpc(request, metadata=self._metadata, timeout=timeout or self.timeout)
        except grpc.RpcError as exc:
            raise KilnError.from_rpc_error(exc) from exc

    def _stream(self, rpc: Callable[..., Any], request: Any, timeout: float | None = None) -> Iterator[Any]:
        """A server stream's messages; errors become KilnError, and a consumer that stops early
        cancels the call instead of leaving it open on the server."""
        stream = rpc(request, metadata=self._metadata, timeout=timeout)
        try:
            yield from stream
        except grpc.RpcError as exc:
            raise KilnError.from_rpc_error(exc) from exc
        finally:
            stream.cancel()

    def _paginate(self, rpc: Callable[..., Any], request: Any, field: str) -> Iterator[Any]:
        while True:
            page = self._call(rpc, request)
            yield from getattr(page, field)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token
