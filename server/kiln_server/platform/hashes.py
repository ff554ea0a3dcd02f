"""Typed records <-> Redis hashes: one codec, driven by the record's dataclass field types.

Each store owns one `HashCodec` for its record type and is the only code that turns records into
hashes and back, so a resource's hash layout lives in one place. The field names of the record are
the hash's field names, and values are encoded as the untyped code wrote them, so hashes written
by earlier gateways still read:

    str            as is
    int, float     decimal text (str(v))
    StrEnum        its value
    dict, list     JSON
    proto message  proto JSON (json_format, one line)
    a class with   JSON of to_dict(), read back with from_dict() (e.g. a job's JobSpec)
    to_dict/from_dict
    X | None       None is left out of the hash; an absent field reads as the field's default

An absent field, or an empty string where a non-string is expected, reads as the default; a
required field that is absent is a KeyError (a hash that is not this record).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message


class Record(Protocol):
    """What every stored resource record has: its id and creation time (ms, the index score)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    id: str
    create_time: int


R = TypeVar("R")


def _plain(annotation: Any) -> Any:
    """`X | None` -> X; other annotations unchanged."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _encoder(kind: Any) -> Callable[[Any], str]:
    base = typing.get_origin(kind) or kind
    if base is str:
        return lambda v: v
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return lambda v: str(v.value)
    if base in (int, float):
        return str
    if base in (dict, list):
        return lambda v: json.dumps(v)
    if isinstance(base, type) and issubclass(base, Message):
        return lambda v: json_format.MessageToJson(v, indent=None)
    if hasattr(base, "to_dict"):
        return lambda v: json.dumps(v.to_dict())
    raise TypeError(f"no hash encoding for {kind!r}")


def _decoder(kind: Any) -> Callable[[str], Any]:
    base = typing.get_origin(kind) or kind
    if base is str:
        return lambda s: s
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return base
    if base is int:
        return int
    if base is float:
        return float
    if base in (dict, list):
        return json.loads
    if isinstance(base, type) and issubclass(base, Message):
        return lambda s: json_format.Parse(s, base())
    if hasattr(base, "from_dict"):
        return lambda s: base.from_dict(json.loads(s))
    raise TypeError(f"no hash decoding for {kind!r}")


class HashCodec(Generic[R]):
    """Encodes and decodes one dataclass record type; built once per store class."""

    def __init__(self, record_type: type[R]):
        self.record_type = record_type
        hints = typing.get_type_hints(record_type)
        self._fields = {f.name: f for f in dataclasses.fields(record_type)}  # type: ignore[arg-type]
        self._encode = {name: _encoder(_plain(hints[name])) for name in self._fields}
        self._decode = {name: _decoder(_plain(hints[name])) for name in self._fields}
        self._text_fields = {name for name in self._fields if _plain(hints[name]) is str}

    def to_hash(self, record: R) -> dict[str, str]:
        return self.fields(**{name: getattr(record, name) for name in self._fields})

    def from_hash(self, raw: Mapping[Any, Any]) -> R:
        """The record from a hash as Redis returns it (bytes) or as text."""
        text = {_text(k): _text(v) for k, v in raw.items()}
        values = {
            name: self._decode[name](text[name])
            for name in self._fields
            if name in text and (text[name] != "" or name in self._text_fields)
        }
        return self.record_type(**values)

    def fields(self, **values: Any) -> dict[str, str]:
        """Some fields of the record, encoded (for partial updates); None values are left out.
        Naming a field the record does not have is a TypeError: the layout is the record's."""
        unknown = set(values) - set(self._fields)
        if unknown:
            raise TypeError(f"{self.record_type.__name__} has no field {', '.join(sorted(unknown))}")
        return {name: self._encode[name](v) for name, v in values.items() if v is not None}


def _text(v: bytes | str) -> str:
    return v.decode() if isinstance(v, bytes) else v
