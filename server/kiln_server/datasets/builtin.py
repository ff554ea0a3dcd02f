"""Datasets every tenant can read by a fixed name, without uploading them: "datasets/digits".

A built-in dataset has no bytes in the artifact store: its record's `artifact_rel` is
"builtin:{name}", and the worker that trains on it writes the JSONL itself (`materialize`) from
data shipped inside a package (scikit-learn's digits). Only the training split is reachable
this way; the held-out split is for evaluation only (kiln_trainer.data.digits). Built-ins are
not listed by ListDatasets (that lists what the tenant uploaded) and cannot be deleted.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from pathlib import Path

from kiln_server.datasets.convert import FORMAT_ENUMS
from kiln_server.datasets.record import DatasetRecord
from kiln_trainer.eval.spec import BUILTIN_PREFIX

PREFIX = BUILTIN_PREFIX  # one spelling: image evaluations on a worker recognise it too
BUILTIN_DATASETS = ("digits",)


def is_builtin(dataset_id: str) -> bool:
    return dataset_id in BUILTIN_DATASETS


@functools.cache
def builtin_record(dataset_id: str) -> DatasetRecord:
    """The record of a built-in dataset, computed once per process (a fraction of a second)."""
    from kiln_trainer.data import digits

    with tempfile.TemporaryDirectory() as tmp:
        data = digits.write_jsonl(Path(tmp) / "train.jsonl", "train").read_bytes()
    return DatasetRecord(
        id=dataset_id,
        display_name="scikit-learn digits (8x8 grayscale, 10 classes), training split",
        format="image",
        format_enum=FORMAT_ENUMS["image"],
        num_records=data.count(b"\n"),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        create_time=0,
        labels={"builtin": "true"},
        artifact_rel=f"{PREFIX}{dataset_id}",
    )


def materialize(rel: str, dest: Path) -> Path:
    """Write the built-in dataset `rel` ("builtin:digits") to `dest` on a worker."""
    from kiln_trainer.data import digits

    name = rel.removeprefix(PREFIX)
    if name != digits.NAME:
        raise FileNotFoundError(f"unknown built-in dataset {rel!r}")
    return digits.write_jsonl(dest, "train")
