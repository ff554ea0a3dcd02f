"""KilnError: a failed RPC with the google.rpc.Status details a Kiln server attaches, unpacked."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import any_pb2
from google.protobuf import message as pb_message
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class KilnError(Exception):
    """A failed Kiln RPC, with the structured details the server attached.

    code: the grpc.StatusCode.
    message: the server's message.
    field_violations: (field, description) pairs from a BadRequest detail, e.g.
        ("job.hyperparameters.learning_rate", "must be > 0.0, got 0.0").
    resource_info: the ResourceInfo detail of a NOT_FOUND, else None.
    retry_after_s: the RetryInfo delay of RESOURCE_EXHAUSTED / UNAVAILABLE, else None.
    status_details: every unpacked detail message (PreconditionFailure, QuotaFailure, ...).
    request_id: the x-request-id the server answered with, for finding its log line.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        field_violations: Iterable[tuple[str, str]] = (),
        resource_info: error_details_pb2.ResourceInfo | None = None,
        retry_after_s: float | None = None,
        status_details: Iterable[pb_message.Message] = (),
        request_id: str | None = None,
    ):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.field_violations = list(field_violations)
        self.resource_info = resource_info
        self.retry_after_s = retry_after_s
        self.status_details = list(status_details)
        self.request_id = request_id

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> KilnError:
        if not isinstance(error, grpc.Call):  # an RpcError without call state: nothing to unpack
            return cls(grpc.StatusCode.UNKNOWN, str(error))
        code, message = error.code(), error.details() or ""
        try:
            status = rpc_status.from_call(error)
        except ValueError:
            # The details disagree with the status line (not from a Kiln server); the status
            # line is what grpc itself acted on, so keep it and drop the details.
            status = None
        violations: list[tuple[str, str]] = []
        resource_info = None
        retry_after_s = None
        details: list[pb_message.Message] = []
        for packed in status.details if status is not None else ():
            detail = _unpack(packed)
            if detail is None:
                continue
            details.append(detail)
            if isinstance(detail, error_details_pb2.BadRequest):
                violations.extend((v.field, v.description) for v in detail.field_violations)
            elif isinstance(detail, error_details_pb2.ResourceInfo):
                resource_info = detail
            elif isinstance(detail, error_details_pb2.RetryInfo):
                retry_after_s = detail.retry_delay.ToTimedelta().total_seconds()
        return cls(code, message, violations, resource_info, retry_after_s, details, _request_id(error))

    def __str__(self) -> str:
        lines = [f"{self.code.name}: {self.message}"]
        lines += [f"  {field}: {description}" for field, description in self.field_violations]
        if self.retry_after_s is not None:
            lines.append(f"  retry after {self.retry_after_s:g}s")
        return "\n".join(lines)


# Detail types a Kiln server sends (server/kiln_server/platform/errors.py); anything else is skipped, not fatal.
_DETAIL_TYPES: tuple[type[pb_message.Message], ...] = (
    error_details_pb2.BadRequest,
    error_details_pb2.ResourceInfo,
    error_details_pb2.RetryInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.QuotaFailure,
    error_details_pb2.ErrorInfo,
)


def _unpack(packed: any_pb2.Any) -> pb_message.Message | None:
    for detail_type in _DETAIL_TYPES:
        if packed.Is(detail_type.DESCRIPTOR):
            detail = detail_type()
            packed.Unpack(detail)
            return detail
    return None


def _request_id(call: grpc.Call) -> str | None:
    try:
        metadata = call.initial_metadata() or ()
    except Exception:  # some call objects cannot report metadata after failing; it is optional
        return None
    return next((str(v) for k, v in metadata if k == "x-request-id"), None)
