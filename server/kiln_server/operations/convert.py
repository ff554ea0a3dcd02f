"""What every operation's proto shares: its name, lifecycle state, error and times, and its events' ids and times."""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message

from kiln_server.operations.events import Event
from kiln_server.operations.record import OperationRecord
from kiln_server.platform.timestamps import ts

M = TypeVar("M", bound=Message)


def state_number(enum: EnumTypeWrapper, state: str) -> int:
    """ "RUNNING" -> JOB_STATE_RUNNING (or EVALUATION_STATE_RUNNING, ...) of the kind's state enum."""
    prefix = enum.DESCRIPTOR.values_by_number[0].name.removesuffix("UNSPECIFIED")
    return enum.Value(prefix + state)


def operation_proto(
    message_type: type[M],
    collection: str,
    r: OperationRecord,
    request: Message,
    state_enum: EnumTypeWrapper,
    **fields: Any,
) -> M:
    """The kind's resource proto ("{collection}/{id}"): what the client asked for (`request`, its
    output fields cleared), the fields the lifecycle owns, and the kind's own output `fields`."""
    message = message_type(
        name=f"{collection}/{r.id}",
        state=state_number(state_enum, r.state),
        error=r.error,
        create_time=ts(r.create_time),
        end_time=ts(r.end_time),
        **fields,
    )
    message.MergeFrom(request)
    return message


def event_proto(message_type: type[M], event: Event) -> M:
    """The kind's event proto with its id and time set."""
    return message_type(id=event.id, time=ts(event.time_ms))


def state_change(message_type: type[M], state_enum: EnumTypeWrapper, data: dict[str, Any]) -> M:
    """A state event's data as the kind's state-change proto (with the fields that proto has)."""
    known = message_type.DESCRIPTOR.fields_by_name
    extra = {k: v for k, v in data.items() if k in known and k != "state"}
    return message_type(state=state_number(state_enum, data["state"]), **extra)
