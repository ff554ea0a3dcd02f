"""The record <-> Redis hash codec: encodings, defaults for absent fields, partial updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pytest

from kiln.v1 import jobs_pb2
from kiln_server.platform.hashes import HashCodec


class Color(StrEnum):
    RED = "RED"
    BLUE = "BLUE"


@dataclass(frozen=True)
class Point:
    x: int
    y: int

    def to_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Point:
        return cls(d["x"], d["y"])


@dataclass(kw_only=True)
class Sample:
    id: str
    create_time: int
    ratio: float = 0.5
    color: Color = Color.RED
    labels: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    job: jobs_pb2.Job = field(default_factory=jobs_pb2.Job)
    point: Point | None = None
    note: str = "default"
    started: int | None = None


CODEC = HashCodec(Sample)


def test_round_trip_of_every_encoding():
    record = Sample(
        id="s-1",
        create_time=1700000000123,
        ratio=0.25,
        color=Color.BLUE,
        labels={"a": "é"},
        tags=["x", "y"],
        job=jobs_pb2.Job(display_name="j", base_model="kiln-gpt-tiny"),
        point=Point(1, 2),
        note="",
        started=5,
    )
    raw = CODEC.to_hash(record)
    assert raw["create_time"] == "1700000000123" and raw["ratio"] == "0.25" and raw["color"] == "BLUE"
    assert raw["labels"] == '{"a": "\\u00e9"}' and raw["point"] == '{"x": 1, "y": 2}'
    back = CODEC.from_hash({k.encode(): v.encode() for k, v in raw.items()})
    assert back == record
    assert isinstance(back.color, Color)


def test_none_is_left_out_and_absent_fields_read_as_defaults():
    raw = CODEC.to_hash(Sample(id="s-1", create_time=1))
    assert "point" not in raw and "started" not in raw
    back = CODEC.from_hash({"id": "s-1", "create_time": "1"})
    assert back == Sample(id="s-1", create_time=1)


def test_an_empty_string_is_a_value_for_text_and_the_default_for_the_rest():
    back = CODEC.from_hash({"id": "s-1", "create_time": "1", "note": "", "ratio": "", "started": ""})
    assert back.note == "" and back.ratio == 0.5 and back.started is None


def test_a_hash_without_a_required_field_is_not_this_record():
    with pytest.raises(TypeError):
        CODEC.from_hash({"id": "s-1"})


def test_partial_fields_are_encoded_and_checked_against_the_record():
    assert CODEC.fields(ratio=1.5, point=Point(3, 4), started=None) == {"ratio": "1.5", "point": '{"x": 3, "y": 4}'}
    with pytest.raises(TypeError, match="no field nope"):
        CODEC.fields(nope=1)


def test_fields_a_hash_has_but_the_record_does_not_are_ignored():
    # Hashes written by a newer gateway may carry fields this version does not know.
    assert CODEC.from_hash({"id": "s-1", "create_time": "1", "future": "x"}).id == "s-1"
