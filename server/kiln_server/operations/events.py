"""Operation events: entries of the operation's Redis stream, read in order and resumable by id.

Every kind writes kind "state" events ({state, attempt, reason}, by the TRANSITION script and the
create) and adds its own kinds (jobs: metrics, checkpoint, log; evaluations: progress). Event ids
are the stream's entry ids ("<ms>-<seq>"), which clients hand back as after_event_id to resume.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kiln_server.operations.record import FINAL_STATES, State
from kiln_server.platform.errors import InvalidArgument

_STREAM_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_MAX_ID_PART = 2**64 - 1  # Redis stream ids are two unsigned 64-bit numbers


@dataclass(frozen=True)
class Event:
    id: str  # the stream entry id
    kind: str  # "state", or one of the kind's own event kinds
    data: dict[str, Any]

    @property
    def time_ms(self) -> int:
        return int(self.id.split("-")[0])

    @property
    def final(self) -> bool:
        """A state event into a final state: the last event a watch delivers."""
        return self.kind == "state" and self.data.get("state") in FINAL_STATES


def state_event(state: State, attempt: int, reason: str) -> tuple[str, dict[str, Any]]:
    """The (kind, data) of a state event, in the shape the TRANSITION script writes."""
    return "state", {"state": str(state), "attempt": attempt, "reason": reason}


def check_event_id(value: str, field: str) -> str:
    """`value` if it is a stream entry id; INVALID_ARGUMENT naming `field` otherwise."""
    m = _STREAM_ID.match(value)
    if m is None or int(m.group(1)) > _MAX_ID_PART or int(m.group(2)) > _MAX_ID_PART:
        raise InvalidArgument.field(field, f"must be an event id from this stream ('<ms>-<seq>'), got {value!r}")
    return value
