"""Cross-cutting concerns, one interceptor each: request id, logging + metrics, errors, auth.

Each interceptor wraps the handler's behaviour in an async context manager (`scope`), which
works the same for unary and streaming responses; the order in `default_interceptors` is the
nesting order, outermost first.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

import grpc
from grpc import aio

from kiln_server.platform import metrics, validate
from kiln_server.platform.auth import bearer_token
from kiln_server.platform.context import request_id_var, tenant_var
from kiln_server.platform.errors import InvalidArgument, KilnError, Unauthenticated, Unavailable
from kiln_server.tenants.store import TenantStore

log = logging.getLogger("kiln.rpc")

# Health checks and reflection must work without a key: load balancers and grpcurl use them.
PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


def _metadata(context: aio.ServicerContext) -> tuple:
    return tuple(context.invocation_metadata() or ())


class ScopeInterceptor(aio.ServerInterceptor):
    """Base: subclasses implement `scope(method, context)` as an async context manager."""

    def scope(self, method: str, context: aio.ServicerContext) -> contextlib.AbstractAsyncContextManager:
        return contextlib.nullcontext()

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None:
            return None
        return _wrap(handler, details.method, self.scope)


def _wrap(handler, method: str, scope: Callable) -> grpc.RpcMethodHandler:
    def unary_response(behavior):
        async def run(request, context):
            async with scope(method, context):
                return await behavior(request, context)

        return run

    def stream_response(behavior):
        async def run(request, context):
            async with scope(method, context):
                async for item in behavior(request, context):
                    yield item

        return run

    kw = dict(request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary_response(handler.unary_unary), **kw)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(stream_response(handler.unary_stream), **kw)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary_response(handler.stream_unary), **kw)
    return grpc.stream_stream_rpc_method_handler(stream_response(handler.stream_stream), **kw)


class RequestIdInterceptor(ScopeInterceptor):
    """Takes the client's x-request-id (or makes one) and echoes it in the initial metadata."""

    @contextlib.asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        rid = dict(_metadata(context)).get("x-request-id") or uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        try:
            await context.send_initial_metadata((("x-request-id", rid),))
            yield
        finally:
            request_id_var.reset(token)


class ObservabilityInterceptor(ScopeInterceptor):
    """One structured log line and the Prometheus series per RPC."""

    @contextlib.asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        start = time.perf_counter()
        metrics.RPC_IN_FLIGHT.labels(method).inc()
        code = grpc.StatusCode.OK
        try:
            yield
        except BaseException:
            code = context.code() or grpc.StatusCode.UNKNOWN
            if isinstance(code, int):
                code = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
            raise
        finally:
            elapsed = time.perf_counter() - start
            metrics.RPC_IN_FLIGHT.labels(method).dec()
            metrics.RPC_TOTAL.labels(method, code.name).inc()
            metrics.RPC_LATENCY.labels(method).observe(elapsed)
            log.info(
                "rpc",
                extra={"method": method, "code": code.name, "ms": round(elapsed * 1000, 2), "tenant": tenant_var.get()},
            )


class ErrorInterceptor(ScopeInterceptor):
    """Maps KilnError to its status code with google.rpc.Status details; anything else is a bug."""

    @contextlib.asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        try:
            yield
        except KilnError as exc:
            status = exc.to_status()
            await context.abort(
                exc.code, exc.message, trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),)
            )
        except (aio.AbortError, GeneratorExit):
            raise
        except Exception:
            log.exception("unhandled error", extra={"method": method})
            await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id_var.get()})")


class AuthInterceptor(ScopeInterceptor):
    """`authorization: Bearer <api key>` -> tenant, for every RPC but health and reflection."""

    # While Redis is unreachable, keys seen valid this recently still authenticate, so sampling
    # (which does not need Redis) keeps serving. Revocations take effect once Redis is back.
    FALLBACK_S = 600.0
    # A call streaming requests (StreamFeedback, uploads) can outlive its key: the key is checked
    # again before a request that arrives this long after the last check, so a revocation ends
    # an open stream (UNAUTHENTICATED) within this bound plus one request.
    REVERIFY_S = 5.0

    def __init__(self, tenants: TenantStore):
        self.tenants = tenants
        self._known: dict[str, tuple[str, float]] = {}  # secret hash -> (tenant, last verified)

    async def intercept_service(self, continuation, details):
        handler = await super().intercept_service(continuation, details)
        if handler is None or not handler.request_streaming or details.method.startswith(PUBLIC_PREFIXES):
            return handler
        kw = dict(request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
        if handler.stream_unary:
            su = handler.stream_unary

            async def stream_unary(request_iterator, context):
                return await su(self._reverified(request_iterator, context), context)

            return grpc.stream_unary_rpc_method_handler(stream_unary, **kw)
        ss = handler.stream_stream

        async def stream_stream(request_iterator, context):
            async for item in ss(self._reverified(request_iterator, context), context):
                yield item

        return grpc.stream_stream_rpc_method_handler(stream_stream, **kw)

    async def _reverified(self, request_iterator, context) -> AsyncIterator:
        secret = bearer_token(_metadata(context))
        checked = time.monotonic()
        async for request in request_iterator:
            if secret is not None and time.monotonic() - checked > self.REVERIFY_S:
                if await self._lookup(secret) is None:
                    raise Unauthenticated("API key revoked")
                checked = time.monotonic()
            yield request

    @contextlib.asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        if method.startswith(PUBLIC_PREFIXES):
            yield
            return
        secret = bearer_token(_metadata(context))
        if secret is None:
            raise Unauthenticated("missing API key: send metadata 'authorization: Bearer <key>'")
        tenant = await self._lookup(secret)
        if tenant is None:
            raise Unauthenticated("invalid API key")
        # Not reset on exit: each RPC runs in its own task (own context), and the outer
        # observability scope still wants the tenant for its log line.
        tenant_var.set(tenant)
        yield

    async def _lookup(self, secret: str) -> str | None:
        from redis.exceptions import RedisError

        from kiln_server.platform.auth import hash_key

        digest = hash_key(secret)
        try:
            tenant = await self.tenants.tenant_for(secret)
        except (RedisError, OSError) as exc:
            known = self._known.get(digest)
            if known is None or time.monotonic() - known[1] > self.FALLBACK_S:
                raise Unavailable("the state store is unreachable; retry shortly") from exc
            return known[0]
        if tenant is None:
            self._known.pop(digest, None)
        else:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[digest] = (tenant, time.monotonic())
        return tenant


class _Malformed:
    """Stands in for a request message whose bytes did not decode (bad UTF-8 in a string field,
    a truncated varint): the handler wrapper answers it INVALID_ARGUMENT, where grpc would
    otherwise end the call with a bare INTERNAL or UNKNOWN."""

    def __init__(self, error: Exception):
        self.error = error

    def reject(self) -> InvalidArgument:
        return InvalidArgument.field("request", f"not a valid request message: {type(self.error).__name__}")


def _lenient(deserialize: Callable | None) -> Callable | None:
    if deserialize is None:
        return None

    def run(data: bytes):
        try:
            return deserialize(data)
        except Exception as exc:  # noqa: BLE001 - any decoding failure is the client's bytes
            return _Malformed(exc)

    return run


def _checked(request):
    if isinstance(request, _Malformed):
        raise request.reject()
    validate.check(request)
    return request


async def _checked_stream(request_iterator) -> AsyncIterator:
    async for request in request_iterator:
        if isinstance(request, _Malformed):
            raise request.reject()
        yield request


class RequestCheckInterceptor(aio.ServerInterceptor):
    """Malformed request bytes are INVALID_ARGUMENT, and every unary request gets the generic
    descriptor-driven checks (platform/validate.py) before its handler. Streamed requests are
    checked by their handlers, message by message, where one bad message is answered on its own
    (StreamFeedback) or ends the call (uploads)."""

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None:
            return None
        kw = dict(
            request_deserializer=_lenient(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )
        if handler.unary_unary:
            uu = handler.unary_unary

            async def unary_unary(request, context):
                return await uu(_checked(request), context)

            return grpc.unary_unary_rpc_method_handler(unary_unary, **kw)
        if handler.unary_stream:
            us = handler.unary_stream

            async def unary_stream(request, context):
                async for item in us(_checked(request), context):
                    yield item

            return grpc.unary_stream_rpc_method_handler(unary_stream, **kw)
        if handler.stream_unary:
            su = handler.stream_unary

            async def stream_unary(request_iterator, context):
                return await su(_checked_stream(request_iterator), context)

            return grpc.stream_unary_rpc_method_handler(stream_unary, **kw)
        ss = handler.stream_stream

        async def stream_stream(request_iterator, context):
            async for item in ss(_checked_stream(request_iterator), context):
                yield item

        return grpc.stream_stream_rpc_method_handler(stream_stream, **kw)


def default_interceptors(tenants: TenantStore) -> list[aio.ServerInterceptor]:
    return [
        RequestIdInterceptor(),
        ObservabilityInterceptor(),
        ErrorInterceptor(),
        AuthInterceptor(tenants),
        RequestCheckInterceptor(),
    ]
