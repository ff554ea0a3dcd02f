"""Plain Python values -> Kiln protos: enums by short name, messages from dicts.

Kiln enums are prefixed with their own name and start with <PREFIX>UNSPECIFIED = 0, so
JOB_METHOD_DPO has the short name "dpo"; the CLI builds its choices from the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from google.protobuf import message as pb_message
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message_factory import GetMessageClass

M = TypeVar("M", bound=pb_message.Message)


def enum_prefix(descriptor: EnumDescriptor) -> str:
    return descriptor.values_by_number[0].name.removesuffix("UNSPECIFIED")


def short_name(descriptor: EnumDescriptor, number: int) -> str:
    """JOB_METHOD_REWARD_MODEL -> "reward_model"; an unknown number is returned as digits."""
    value = descriptor.values_by_number.get(number)
    return value.name.removeprefix(enum_prefix(descriptor)).lower() if value is not None else str(number)


def short_names(descriptor: EnumDescriptor) -> list[str]:
    """Every settable value's short name, in declaration order (UNSPECIFIED left out)."""
    return [short_name(descriptor, v.number) for v in descriptor.values if v.number != 0]


def enum_number(descriptor: EnumDescriptor, value: str | int, what: str, *, allow_unset: bool = False) -> Any:
    """ "sft", "SFT", "JOB_METHOD_SFT" or 1 -> 1. UNSPECIFIED (0) is a ValueError unless allow_unset,
    and so is every unknown name or number, listing the choices.

    The result is a plain int typed Any: each generated enum field expects its own ValueType (an
    int NewType per enum), which a function over descriptors cannot name."""
    prefix = enum_prefix(descriptor)
    found = None
    if isinstance(value, int) and not isinstance(value, bool):
        found = descriptor.values_by_number.get(value)
    elif isinstance(value, str):
        name = value.upper()
        found = descriptor.values_by_name.get(name if name.startswith(prefix) else prefix + name)
    if found is not None and (found.number != 0 or allow_unset):
        return found.number
    raise ValueError(f"{what} must be one of {', '.join(short_names(descriptor))}, got {value!r}")


def build(cls: type[M], values: Mapping[str, Any], what: str) -> M:
    """A proto from a dict with a readable error for unknown keys; enums take short names and
    nested messages take dicts. None values are left unset."""
    fields = cls.DESCRIPTOR.fields_by_name
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown {what} field(s): {', '.join(unknown)} (known: {', '.join(fields)})")
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        fd = fields[key]
        if fd.enum_type is not None and isinstance(value, str):
            value = enum_number(fd.enum_type, value, f"{what}.{key}")
        elif fd.enum_type is not None and isinstance(value, list | tuple):  # a repeated enum
            enum = cast(EnumDescriptor, fd.enum_type)  # the C (upb) or the Python descriptor: both read alike
            value = [enum_number(enum, v, f"{what}.{key}") if isinstance(v, str) else v for v in value]
        elif fd.message_type is not None and isinstance(value, Mapping) and not fd.message_type.GetOptions().map_entry:
            value = build(GetMessageClass(fd.message_type), value, f"{what}.{key}")
        kwargs[key] = value
    return cls(**kwargs)
