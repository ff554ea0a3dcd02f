"""Dataset record -> proto, and the format names records use <-> the proto's DatasetFormat."""

from __future__ import annotations

from kiln.v1 import datasets_pb2
from kiln_server.datasets.record import DatasetRecord
from kiln_server.platform.timestamps import ts

# DATASET_FORMAT_SFT <-> "sft", from the descriptor so a new format needs no edit here.
FORMATS: dict[int, str] = {
    number: name.removeprefix("DATASET_FORMAT_").lower()
    for name, number in datasets_pb2.DatasetFormat.items()
    if number != datasets_pb2.DATASET_FORMAT_UNSPECIFIED
}
FORMAT_ENUMS: dict[str, int] = {name: number for number, name in FORMATS.items()}


def format_label(name: str) -> str:
    """ "sft" -> "DATASET_FORMAT_SFT", for messages."""
    return datasets_pb2.DatasetFormat.Name(FORMAT_ENUMS[name])


def dataset_proto(r: DatasetRecord) -> datasets_pb2.Dataset:
    return datasets_pb2.Dataset(
        name=f"datasets/{r.id}",
        display_name=r.display_name,
        format=r.format_enum,
        num_records=r.num_records,
        size_bytes=r.size_bytes,
        sha256=r.sha256,
        create_time=ts(r.create_time),
        labels=r.labels,
    )
