"""The one Create flow of every operation kind: idempotent per request_id, validated before
anything is written, and written in one atomic step (record, first events, queue entry).

A retry with the same request_id and the same request returns the operation the first call
created, without validating again; the same request_id with a different request is
INVALID_ARGUMENT on "request_id".
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from google.protobuf.message import Message

from kiln_server.operations.record import OperationRecord
from kiln_server.operations.store import OperationStore
from kiln_server.platform.errors import InvalidArgument, NotFound

R = TypeVar("R", bound=OperationRecord)
M = TypeVar("M", bound=Message)

MAX_REQUEST_ID = 128


@dataclass
class NewOperation(Generic[R]):
    """What a kind's create writes: the record, its first events, and whether it is queued (an
    operation born final, like a reused evaluation, is not)."""

    record: R
    events: list[tuple[str, dict]] = field(default_factory=list)
    queue: bool = True


def accepted(message: M, output_fields: Iterable[str]) -> M:
    """A copy of the request's resource without the fields only the server sets."""
    copy = type(message)()
    copy.CopyFrom(message)
    for name in output_fields:
        copy.ClearField(name)
    return copy


async def create_once(
    store: OperationStore[R],
    tenant: str,
    request_id: str,
    resource: Message,
    new: Callable[[], Awaitable[NewOperation[R]]],
) -> R:
    """Creates the operation `new()` describes, once per (tenant, request_id); `resource` is the
    accepted request resource, whose content identifies a retry."""
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument.field("request_id", f"at most {MAX_REQUEST_ID} characters")
    fingerprint = hashlib.sha256(resource.SerializeToString(deterministic=True)).hexdigest()
    rid = await store.seen_request(tenant, request_id, fingerprint)
    if rid is None:
        op = await new()
        rid = await store.create(
            tenant, op.record, request_id=request_id, fingerprint=fingerprint, events=op.events, queue=op.queue
        )
    record = await store.get(tenant, rid)
    if record is None:  # created a moment ago: only a deleted key could get here
        raise NotFound(store.kind, f"{store.operation.collection}/{rid}")
    return record
