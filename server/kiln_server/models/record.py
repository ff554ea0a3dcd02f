"""A registered model: weights in the artifact store under models/{tenant}/{id}/, this record in Redis."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class ModelRecord:
    id: str
    display_name: str
    family: str = "causal_lm"  # "causal_lm", "reward_model" or "image" (ModelFamily, lower case)
    base_model: str  # what it was made from: a built-in name or "models/{id}"
    source_job: str = ""  # "jobs/{id}" for a job's output; "" for an export
    artifact_uri: str
    artifact_rel: str  # the weights directory in the artifact store
    version: str  # "{id}@{short hash of the weights}": keys the sampling cache and evaluation reuse
    parameter_count: int = 0
    size_bytes: int = 0
    quantization: str = ""  # "", "INT8" or "INT4" (Quantization, without its prefix)
    metrics: dict[str, float] = field(default_factory=dict)
    create_time: int  # ms since the epoch
    labels: dict[str, str] = field(default_factory=dict)
