"""The CLI's fixed choices: str Enums made from the proto enums, so they cannot drift from the API.

Each choice is a proto value's short name in lower case (JOB_METHOD_REWARD_MODEL -> reward_model),
with a few spellings kept from before (--kind pairs, --target ray-serve, --quantization none).
`number(choice)` is what goes on the wire.

Each enum is spelled out as a functional StrEnum(...) call so that mypy sees a class it can use in
annotations; it cannot see members computed at run time, hence one `type: ignore[misc]` per enum.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from google.protobuf.descriptor import EnumDescriptor

from kiln.messages import short_name
from kiln.v1 import datasets_pb2, evaluation_pb2, feedback_pb2, jobs_pb2, models_pb2

# choice enum name -> {choice word: proto number}
_NUMBERS: dict[str, dict[str, int]] = {}


def proto_members(
    name: str, enum_type: EnumDescriptor, *, spell: Mapping[str, str] | None = None, unset: str | None = None
) -> list[tuple[str, str]]:
    """The members of the choice enum `name`: one per settable value of `enum_type`, each its own word.

    spell: short name -> the word the CLI takes instead ({"preference_pairs": "pairs"}).
    unset: a word for the UNSPECIFIED value when leaving it unset is a real choice ("none").
    """
    spell = spell or {}
    numbers = {} if unset is None else {unset: 0}
    for value in enum_type.values:
        if value.number:
            word = short_name(enum_type, value.number)
            numbers[spell.get(word, word)] = value.number
    _NUMBERS[name] = numbers
    return [(word, word) for word in numbers]


def number(choice: StrEnum) -> int:
    """The proto enum number a choice stands for."""
    return _NUMBERS[type(choice).__name__][choice.value]


DatasetFormat = StrEnum("DatasetFormat", proto_members("DatasetFormat", datasets_pb2.DatasetFormat.DESCRIPTOR))  # type: ignore[misc]
Method = StrEnum("Method", proto_members("Method", jobs_pb2.JobMethod.DESCRIPTOR))  # type: ignore[misc]
JobState = StrEnum("JobState", proto_members("JobState", jobs_pb2.JobState.DESCRIPTOR))  # type: ignore[misc]
DeployTarget = StrEnum(  # type: ignore[misc]
    "DeployTarget",
    proto_members("DeployTarget", models_pb2.DeploymentTarget.DESCRIPTOR, spell={"ray_serve": "ray-serve"}),
)
Quantization = StrEnum(  # type: ignore[misc]
    "Quantization", proto_members("Quantization", models_pb2.Quantization.DESCRIPTOR, unset="none")
)
ExportKind = StrEnum(  # type: ignore[misc]
    "ExportKind",
    proto_members("ExportKind", feedback_pb2.FeedbackExportKind.DESCRIPTOR, spell={"preference_pairs": "pairs"}),
)
TieHandling = StrEnum("TieHandling", proto_members("TieHandling", feedback_pb2.TieHandling.DESCRIPTOR))  # type: ignore[misc]
Metric = StrEnum("Metric", proto_members("Metric", evaluation_pb2.EvaluationMetric.DESCRIPTOR))  # type: ignore[misc]
EvalState = StrEnum("EvalState", proto_members("EvalState", evaluation_pb2.EvaluationState.DESCRIPTOR))  # type: ignore[misc]


class LogLevel(StrEnum):
    """Python logging levels (not a proto enum)."""

    debug = "DEBUG"
    info = "INFO"
    warning = "WARNING"
    error = "ERROR"


class Thumb(StrEnum):
    """Thumbs is a bool on the wire; the CLI spells it up or down."""

    up = "up"
    down = "down"
