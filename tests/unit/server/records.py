"""Dataset and model records for tests, as the gateway writes them."""

from __future__ import annotations

import json
from pathlib import Path

from kiln_server.datasets.record import DatasetRecord
from kiln_server.datasets.store import DatasetStore
from kiln_server.models.record import ModelRecord
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore

FORMATS = {"sft": 1, "preference": 2, "prompts": 3, "image": 10}


async def add_dataset(store: DatasetStore, rid: str, fmt: str) -> str:
    """A stored dataset record of format `fmt` (no bytes); returns its name."""
    record = DatasetRecord(
        id=rid,
        display_name=rid,
        format=fmt,
        format_enum=FORMATS[fmt],
        num_records=1,
        size_bytes=1,
        sha256="0" * 64,
        create_time=1,
        artifact_rel=f"datasets/t/{rid}/data.jsonl",
    )
    await store.create("t", record)
    return f"datasets/{rid}"


def model_record(rid: str = "m-1", family: str = "causal_lm") -> ModelRecord:
    return ModelRecord(
        id=rid,
        display_name=rid,
        family=family,
        base_model="kiln-gpt-tiny",
        artifact_uri="",
        artifact_rel=f"models/t/{rid}",
        version=f"{rid}@abc",
        create_time=1,
    )


def model_dir(path: Path, model_type: str = "kiln-gpt") -> Path:
    """A directory the trainer's config checks accept as a model of `model_type`."""
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": model_type}))
    (path / "model.safetensors").write_bytes(b"weights")
    return path


async def register(models: ModelStore, artifacts: ArtifactStore, tmp_path: Path, rid: str, **kw: str) -> str:
    """A registered model with its files in `artifacts`; returns its name."""
    record = model_record(rid, kw.pop("family", "causal_lm"))
    artifacts.put_dir(model_dir(tmp_path / "src" / rid, kw.pop("model_type", "kiln-gpt")), record.artifact_rel)
    await models.create("t", record)
    return f"models/{rid}"
