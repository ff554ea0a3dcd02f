"""Checks every request message gets before its handler runs, driven by the message descriptors.

A handler's own checks know what a field means; these know only what a field *is*, so they hold
for every RPC, including fields added later, without per-field code:

- a float or double must be finite: NaN and infinities pass most range checks (NaN compares
  false both ways) and then poison a training run or a sampling batch;
- an enum must be one of the values the server's proto names: proto3 enums are open, so a newer
  client's value (or a fuzzer's 999) arrives as a bare number the handler cannot interpret;
- a `labels` map is bounded in entries and in key and value length (free-form and stored in
  Redis with the resource);
- a google.protobuf.Timestamp must lie in the range its definition allows (years 1 to 9999,
  nanos in [0, 1e9)): out of it, conversions raise deep inside a handler;
- a few integers have bounds narrower than their wire type (INT_BOUNDS): a job's seed is a
  uint64 on the wire but seeds NumPy, whose seeds stop at 2^32 - 1.

Each violation names the field's path in the request ("job.hyperparameters.learning_rate",
"params.temperature", "job.labels"); all of them are reported at once.
"""

from __future__ import annotations

import math

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from kiln_server.platform.errors import FieldViolation, InvalidArgument

MAX_LABELS, MAX_LABEL_KEY_CHARS, MAX_LABEL_VALUE_CHARS = 64, 63, 256
# Proto field (full name) -> the largest value it takes, where that is below its wire type's.
INT_BOUNDS = {"kiln.v1.Hyperparameters.seed": 2**32 - 1}

_FLOATS = (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE)
_INTS = (
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
)


def violations(message: Message, path: str = "") -> list[FieldViolation]:
    """Every generic violation in `message` (whose own path in the request is `path`)."""
    out: list[FieldViolation] = []
    for fd, value in message.ListFields():
        where = f"{path}.{fd.name}" if path else fd.name
        if _is_map(fd):
            if fd.name == "labels":
                out += _label_violations(value, where)
            elif _entry(fd).fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for k, item in value.items():
                    out += violations(item, f"{where}[{k!r}]")
        elif fd.is_repeated:
            for i, item in enumerate(value):
                out += _scalar(fd, item, f"{where}[{i}]")
        else:
            out += _scalar(fd, value, where)
    return out


def check(message: Message, path: str = "") -> None:
    """INVALID_ARGUMENT listing every generic violation in `message`; nothing when there is none."""
    found = violations(message, path)
    if found:
        raise InvalidArgument(found)


def _scalar(fd: FieldDescriptor, value: object, where: str) -> list[FieldViolation]:
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        if _entry(fd).full_name == "google.protobuf.Timestamp":
            return _timestamp_violations(value, where)
        return violations(value, where)  # type: ignore[arg-type]
    if fd.type in _FLOATS and not math.isfinite(value):  # type: ignore[arg-type]
        return [FieldViolation(where, f"must be a finite number, got {value}")]
    enum = fd.enum_type
    if fd.type == FieldDescriptor.TYPE_ENUM and enum is not None and value not in enum.values_by_number:
        return [FieldViolation(where, f"unknown {enum.name} value {value}")]
    bound = INT_BOUNDS.get(fd.full_name)
    if fd.type in _INTS and bound is not None and value > bound:  # type: ignore[operator]
        return [FieldViolation(where, f"at most {bound}, got {value}")]
    return []


# The range google/protobuf/timestamp.proto defines: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _timestamp_violations(ts: object, where: str) -> list[FieldViolation]:
    seconds, nanos = ts.seconds, ts.nanos  # type: ignore[attr-defined]
    if not _MIN_SECONDS <= seconds <= _MAX_SECONDS or not 0 <= nanos < 1_000_000_000:
        return [FieldViolation(where, f"not a valid timestamp (seconds={seconds}, nanos={nanos}): years 1 to 9999")]
    return []


def _label_violations(labels: object, where: str) -> list[FieldViolation]:
    items = dict(labels)  # type: ignore[call-overload]
    if len(items) > MAX_LABELS:
        return [FieldViolation(where, f"at most {MAX_LABELS} labels, got {len(items)}")]
    out = []
    for k, v in items.items():
        if not 1 <= len(k) <= MAX_LABEL_KEY_CHARS:
            out.append(FieldViolation(where, f"label keys must be 1 to {MAX_LABEL_KEY_CHARS} characters, got {k!r}"))
        elif len(v) > MAX_LABEL_VALUE_CHARS:
            out.append(FieldViolation(where, f"label {k!r}: values are at most {MAX_LABEL_VALUE_CHARS} characters"))
    return out


def _entry(fd: FieldDescriptor) -> Descriptor:
    """The message type of a message field (never None for one)."""
    assert fd.message_type is not None, fd.full_name
    return fd.message_type


def _is_map(fd: FieldDescriptor) -> bool:
    return (
        fd.is_repeated and fd.type == FieldDescriptor.TYPE_MESSAGE and fd.message_type.GetOptions().map_entry  # type: ignore[union-attr]
    )
