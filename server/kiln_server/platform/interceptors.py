"""Cross-cutting concerns, one interceptor each: request id, logging + metrics, errors, auth.

Each interceptor wraps the handler's behaviour in an async context manager (`scope`), which
works the same for unary and streaming responses; the order in `default_interceptors` is the
nesting order, outermost first.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
from grpc import aio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kiln_server.platform import metrics, validate
from kiln_server.platform.auth import bearer_token, hash_key
from kiln_server.platform.authz import authorize, is_read_only
from kiln_server.platform.context import principal_var, request_id_var, resource_var, tenant_var
from kiln_server.platform.errors import InvalidArgument, KilnError, Unauthenticated, Unavailable, clip
from kiln_server.tenants.audit import AuditLog
from kiln_server.tenants.record import Principal
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
            code = _code_of(context)
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
            await _abort(context, exc)
        except (aio.AbortError, GeneratorExit):
            raise
        except (RedisConnectionError, RedisTimeoutError, ConnectionError) as exc:
            # The state store is down or unreachable: the client should retry, not file a bug.
            await _abort(context, Unavailable(f"the state store is unreachable ({type(exc).__name__}); retry shortly"))
        except Exception:
            log.exception("unhandled error", extra={"method": method})
            await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id_var.get()})")


async def _abort(context: aio.ServicerContext, exc: KilnError) -> None:
    status = exc.to_status()
    await context.abort(
        exc.code, exc.message, trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),)
    )


class AuthInterceptor(ScopeInterceptor):
    """`authorization: Bearer <api key>` (or, over mutual TLS, a client certificate whose subject
    an admin mapped) -> the principal (tenant, role), then the role's permission for the RPC;
    for every RPC but health and reflection."""

    # TenantStore answers from memory for KilnConfig.local_cache_ttl_s (1 s): a key revoked
    # through another gateway stops here within that bound, through this one at once.
    # While Redis is unreachable, keys seen valid this recently still authenticate, so sampling
    # (which does not need Redis) keeps serving. Revocations take effect once Redis is back.
    FALLBACK_S = 600.0
    # A call streaming requests (StreamFeedback, uploads) can outlive its key: the key is checked
    # again before a request that arrives this long after the last check, so a revocation ends
    # an open stream (UNAUTHENTICATED) within this bound plus one request.
    REVERIFY_S = 5.0
    # A key's last-used time is written at most this often (a write per call would double the
    # Redis traffic of a hot key for a field read by humans).
    LAST_USED_RESOLUTION_S = 60.0

    def __init__(self, tenants: TenantStore):
        self.tenants = tenants
        self._known: dict[str, tuple[Principal, float]] = {}  # secret hash or cert subject -> (who, when)
        self._touched: dict[str, float] = {}

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
        checked = time.monotonic()
        async for request in request_iterator:
            if time.monotonic() - checked > self.REVERIFY_S:
                if await self._authenticate(context) is None:
                    raise Unauthenticated("API key revoked or expired, or client certificate unmapped")
                checked = time.monotonic()
            yield request

    @contextlib.asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        if method.startswith(PUBLIC_PREFIXES):
            yield
            return
        principal = await self._authenticate(context)
        if principal is None:
            if bearer_token(_metadata(context)) is not None:
                raise Unauthenticated("invalid API key (unknown, revoked or expired)")
            subject = cert_subject(context)
            if subject:
                raise Unauthenticated(f"client certificate subject {subject!r} is not mapped to a tenant")
            raise Unauthenticated("missing API key: send metadata 'authorization: Bearer <key>'")
        # Not reset on exit: each RPC runs in its own task (own context), and the outer
        # observability and audit scopes still want the caller for their records.
        tenant_var.set(principal.tenant)
        principal_var.set(principal)
        authorize(principal, method)
        yield

    async def _authenticate(self, context: aio.ServicerContext) -> Principal | None:
        """The API key's principal if a key is sent (a bad key is not rescued by a certificate),
        else the client certificate's mapped principal, else None."""
        secret = bearer_token(_metadata(context))
        if secret is not None:
            principal = await self._cached(hash_key(secret), lambda: self.tenants.principal_for(secret))
            if principal is not None:
                await self._touch(secret)
            return principal
        subject = cert_subject(context)
        if subject:
            return await self._cached(f"cert:{subject}", lambda: self.tenants.principal_for_certificate(subject))
        return None

    async def _cached(self, key: str, lookup: Callable[[], Awaitable[Principal | None]]) -> Principal | None:
        try:
            principal = await lookup()
        except (RedisError, OSError) as exc:
            known = self._known.get(key)
            if known is None or time.monotonic() - known[1] > self.FALLBACK_S:
                raise Unavailable("the state store is unreachable; retry shortly") from exc
            return known[0]
        if principal is None:
            self._known.pop(key, None)
        else:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[key] = (principal, time.monotonic())
        return principal

    async def _touch(self, secret: str) -> None:
        digest = hash_key(secret)
        now = time.monotonic()
        if now - self._touched.get(digest, -math.inf) < self.LAST_USED_RESOLUTION_S:
            return
        if len(self._touched) > 10_000:
            self._touched.clear()
        self._touched[digest] = now
        with contextlib.suppress(RedisError, OSError):
            await self.tenants.touch(secret)


def cert_subject(context: aio.ServicerContext) -> str:
    """The verified client certificate's subject over mutual TLS ("" without one): gRPC puts
    only certificates that passed verification against the client CA in the auth context."""
    try:
        auth = context.auth_context() or {}
    except Exception:  # noqa: BLE001 - no transport security: no certificate
        return ""
    for key in ("x509_subject", "x509_common_name"):
        values = list(auth.get(key) or ())
        if values:
            value = values[0]
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""


class AuditInterceptor(ScopeInterceptor):
    """Appends every mutating call (anything but Get*/List*/Watch*, health and reflection) to the
    audit stream once it ended: who, which RPC on which resource, when, and the status code.
    A failed write is logged, never turned into the call's error."""

    def __init__(self, audit: AuditLog | None):
        self.audit = audit

    async def intercept_service(self, continuation, details):
        handler = await super().intercept_service(continuation, details)
        if handler is None or handler.request_streaming:
            return handler
        # A unary request names its resource: noted before the scope runs, so even a call that
        # auth refuses is logged with what it tried to touch.
        kw = dict(request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
        if handler.unary_unary:
            uu = handler.unary_unary

            async def unary_unary(request, context):
                resource_var.set(_resource_of(request))
                return await uu(request, context)

            return grpc.unary_unary_rpc_method_handler(unary_unary, **kw)
        us = handler.unary_stream

        async def unary_stream(request, context):
            resource_var.set(_resource_of(request))
            async for item in us(request, context):
                yield item

        return grpc.unary_stream_rpc_method_handler(unary_stream, **kw)

    @contextlib.asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        if self.audit is None or method.startswith(PUBLIC_PREFIXES) or is_read_only(method):
            yield
            return
        code = grpc.StatusCode.OK
        try:
            yield
        except BaseException:
            code = _code_of(context)
            raise
        finally:
            await self._record(method, context, code)

    async def _record(self, method: str, context: aio.ServicerContext, code: grpc.StatusCode) -> None:
        assert self.audit is not None
        principal = principal_var.get()
        fields = {
            "tenant": getattr(principal, "tenant", ""),
            "principal": getattr(principal, "who", ""),
            "role": str(getattr(principal, "role", "")),
            "method": method,
            "resource": resource_var.get(),
            "code": code.name,
            "request_id": request_id_var.get(),
            "peer": clip(context.peer() or "", 128),
        }
        try:
            await self.audit.append(**fields)
        except (RedisError, OSError) as exc:
            log.warning("audit entry not written: state store unreachable", extra={**fields, "error": str(exc)})


def _code_of(context: aio.ServicerContext) -> grpc.StatusCode:
    code = context.code() or grpc.StatusCode.UNKNOWN
    if isinstance(code, int):
        code = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    return code


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


def _resource_of(request) -> str:
    """The resource a request names, for the audit log ("" if it names none)."""
    if isinstance(request, _Malformed):
        return ""
    fields = request.DESCRIPTOR.fields_by_name
    for name in ("name", "tenant", "model", "parent"):
        field = fields.get(name)
        if field is not None and field.type == field.TYPE_STRING and getattr(request, name):
            return clip(getattr(request, name), 256)
    return ""


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


def default_interceptors(tenants: TenantStore, audit: AuditLog | None = None) -> list[aio.ServerInterceptor]:
    return [
        RequestIdInterceptor(),
        ObservabilityInterceptor(),
        AuditInterceptor(audit),
        ErrorInterceptor(),
        AuthInterceptor(tenants),
        RequestCheckInterceptor(),
    ]
