"""Domain errors and their one mapping to gRPC status codes with google.rpc.Status details.

Services and stores raise these; the error-mapping interceptor turns them into precise status
codes. Anything else that escapes a handler is a bug and becomes INTERNAL (and is logged).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import redis.exceptions
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

# gRPC's default limit on a response's metadata (trailers included) is 8 KiB to 16 KiB: an error
# that echoes a client's 200 KB value would overflow it and reach the client as RESOURCE_EXHAUSTED
# instead of the real error. Every text an error carries is clipped to these lengths.
MAX_MESSAGE_CHARS = 1024
MAX_DETAIL_CHARS = 512
MAX_VIOLATIONS = 16


def clip(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """`text`, cut to at most `limit` characters with a marker of how much was left out."""
    if len(text) <= limit:
        return text
    cut = f"... ({len(text) - limit} more characters)"
    return text[: max(0, limit - len(cut))] + cut


@dataclass(frozen=True)
class FieldViolation:
    field: str  # dotted path in the request, e.g. "job.hyperparameters.learning_rate"
    description: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", clip(self.field, 256))
        object.__setattr__(self, "description", clip(self.description))


class KilnError(Exception):
    """Base of every error a client is meant to see."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str):
        message = clip(message, MAX_MESSAGE_CHARS)
        super().__init__(message)
        self.message = message

    def details(self) -> list:
        return []

    def to_status(self) -> status_pb2.Status:
        status = status_pb2.Status(code=self.code.value[0], message=self.message)
        for detail in self.details():
            status.details.add().Pack(detail)
        return status


class InvalidArgument(KilnError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: list[FieldViolation] | FieldViolation, message: str | None = None):
        self.violations = ([violations] if isinstance(violations, FieldViolation) else list(violations))[
            :MAX_VIOLATIONS
        ]
        text = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(message or f"invalid argument: {text}")

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgument:
        return cls(FieldViolation(field, description))

    def details(self) -> list:
        return [
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                    for v in self.violations
                ]
            )
        ]


class NotFound(KilnError):
    code = grpc.StatusCode.NOT_FOUND

    def __init__(self, resource_type: str, resource_name: str, message: str | None = None):
        self.resource_type = resource_type
        self.resource_name = clip(resource_name, 256)
        super().__init__(message or f"{resource_type} {self.resource_name!r} not found")

    def details(self) -> list:
        return [
            error_details_pb2.ResourceInfo(
                resource_type=self.resource_type, resource_name=self.resource_name, description=self.message
            )
        ]


class FailedPrecondition(KilnError):
    code = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, message: str, subject: str = "", violation_type: str = "STATE"):
        super().__init__(message)
        self.subject = clip(subject, 256)
        self.violation_type = violation_type

    def details(self) -> list:
        return [
            error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type=self.violation_type, subject=self.subject, description=self.message
                    )
                ]
            )
        ]


class ResourceExhausted(KilnError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, subject: str = "", retry_after_s: float | None = None):
        super().__init__(message)
        self.subject = clip(subject, 256)
        self.retry_after_s = retry_after_s

    def details(self) -> list:
        out: list = [
            error_details_pb2.QuotaFailure(
                violations=[error_details_pb2.QuotaFailure.Violation(subject=self.subject, description=self.message)]
            )
        ]
        if self.retry_after_s is not None:
            delay = duration_pb2.Duration()
            delay.FromMilliseconds(int(self.retry_after_s * 1000))
            out.append(error_details_pb2.RetryInfo(retry_delay=delay))
        return out


class Aborted(KilnError):
    """The operation was ended by another call (e.g. UndeployModel during a pending DeployModel)."""

    code = grpc.StatusCode.ABORTED


class Unauthenticated(KilnError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(KilnError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unavailable(KilnError):
    code = grpc.StatusCode.UNAVAILABLE

    def __init__(self, message: str, retry_after_s: float | None = 1.0):
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def details(self) -> list:
        if self.retry_after_s is None:
            return []
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(self.retry_after_s * 1000))
        return [error_details_pb2.RetryInfo(retry_delay=delay)]


class Unimplemented(KilnError):
    code = grpc.StatusCode.UNIMPLEMENTED


@contextlib.contextmanager
def unavailable_on_redis_errors(what: str) -> Iterator[None]:
    """Redis unreachable (connection refused or lost, timeout) inside the block is UNAVAILABLE,
    naming `what` could not be read or written; other Redis errors stay bugs (INTERNAL)."""
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        raise Unavailable(f"{what} is unreachable: the state store did not answer ({type(exc).__name__})") from exc


# Sanity: our StatusCode -> google.rpc.Code numbers agree (grpc uses the same numbering).
assert grpc.StatusCode.INVALID_ARGUMENT.value[0] == code_pb2.INVALID_ARGUMENT
