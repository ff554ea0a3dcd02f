"""A tiny in-process grpc server answering on Kiln's method paths with plain functions.

    with fake_gateway({"kiln.v1.JobService": {"GetJob": unary(get_job, GetJobRequest, Job)}}) as target:
        CliRunner().invoke(app, ["--target", target, "jobs", "get", "jobs/x"])

No Redis, Ray or gateway: the real client (and the CLI on it), its stubs and error unpacking run over
a socket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from typing import Any

import grpc


def unary(fn: Callable[..., Any], request: Any, response: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(
        fn, request_deserializer=request.FromString, response_serializer=response.SerializeToString
    )


def server_stream(fn: Callable[..., Any], request: Any, response: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_stream_rpc_method_handler(
        fn, request_deserializer=request.FromString, response_serializer=response.SerializeToString
    )


@contextlib.contextmanager
def fake_gateway(services: Mapping[str, Mapping[str, grpc.RpcMethodHandler]]) -> Iterator[str]:
    """Serves the handlers on 127.0.0.1:<free port>; yields the target."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        tuple(grpc.method_handlers_generic_handler(name, dict(methods)) for name, methods in services.items())
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)
