"""CreateEvaluation's conversion boundary: an Evaluation proto in, a validated EvaluationPlan out.

Order of checks: the request's shape (missing fields, bad values, each metric's required model
fields) -> one INVALID_ARGUMENT with a field violation per problem; then the references -> NOT_FOUND
for a model or dataset the tenant does not have; then what the references turned out to be (a
dataset of the wrong format, a model of the wrong family) -> INVALID_ARGUMENT naming the field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from kiln.v1 import evaluation_pb2
from kiln_server.datasets.convert import format_label
from kiln_server.datasets.store import DatasetStore
from kiln_server.models.ref import ModelRef, ModelResolver
from kiln_server.platform import names
from kiln_server.platform.errors import FieldViolation, InvalidArgument, NotFound
from kiln_server.sampling.requests import params_of
from kiln_trainer.errors import ConfigError
from kiln_trainer.eval.spec import DEFAULT_SEED, GENERATIVE, IMAGE_METRICS, MIN_IMAGES, NEEDS_SFT, TEST_ELBO

_METRIC_NAMES = {
    v: k.removeprefix("EVALUATION_METRIC_").lower()
    for k, v in evaluation_pb2.EvaluationMetric.items()
    if v != evaluation_pb2.EVALUATION_METRIC_UNSPECIFIED
}
_METRIC_ENUM = {name: number for number, name in _METRIC_NAMES.items()}
# metric -> the model fields it needs besides `model`
_NEEDS = {
    evaluation_pb2.EVALUATION_METRIC_MEAN_REWARD: ("reward_model",),
    evaluation_pb2.EVALUATION_METRIC_WIN_RATE: ("baseline_model", "reward_model"),
    evaluation_pb2.EVALUATION_METRIC_KL_TO_REFERENCE: ("reference_model",),
}
_USES = {
    "baseline_model": ("win_rate",),
    "reward_model": ("mean_reward", "win_rate"),
    "reference_model": ("kl_to_reference",),
}


def metric_name(number: int) -> str:
    return _METRIC_NAMES[number]


def metric_enum(name: str) -> int:
    return _METRIC_ENUM[name]


@dataclass(frozen=True)
class DatasetInput:
    """The evaluated dataset, as the worker fetches it and as results are keyed by it."""

    id: str
    rel: str  # the JSONL file in the artifact store
    format: str  # "sft" or "prompts"
    sha256: str
    num_records: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DatasetInput:
        return cls(**{f.name: d[f.name] for f in fields(cls)})


_MODEL_FIELDS = ("model", "baseline_model", "reward_model", "reference_model")
_IMAGE_METRICS = set(IMAGE_METRICS)
_IMAGE_GENERATIVE = _IMAGE_METRICS - {TEST_ELBO}  # the image metrics whose results depend on the seed
MAX_IMAGES = 10_000  # images one image evaluation may generate


@dataclass
class EvaluationPlan:
    """Everything a worker needs, in plain values (stored as JSON in Redis)."""

    metrics: list[str]  # sorted, unique
    model: ModelRef
    dataset: DatasetInput
    baseline_model: ModelRef | None
    reward_model: ModelRef | None
    reference_model: ModelRef | None
    sampling: dict  # SamplingParams fields, seeded
    max_records: int  # effective: min(requested or all, records in the dataset)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        for f in _MODEL_FIELDS:
            out[f] = out[f].to_dict() if out[f] is not None else None
        out["dataset"] = asdict(self.dataset)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvaluationPlan:
        models = {f: ModelRef.from_dict(d[f]) if d.get(f) else None for f in _MODEL_FIELDS}
        return cls(**{**d, **models, "dataset": DatasetInput.from_dict(d["dataset"])})  # type: ignore[arg-type]

    def reuse_key(self) -> str:
        """Digest of everything the results depend on, and nothing else (not display_name,
        labels, or models given but unused by the metrics): equal digests, equal results."""
        used = {f: getattr(self, f) for f, metrics in _USES.items() if set(metrics) & set(self.metrics)}
        generative = bool(set(self.metrics) & (set(GENERATIVE) | _IMAGE_GENERATIVE))
        identity = {
            "metrics": self.metrics,
            "model": self.model.version,
            **{f: ref.version for f, ref in used.items() if ref is not None},
            "dataset": [self.dataset.id, self.dataset.sha256],
            "sampling": self.sampling if generative else None,
            "max_records": self.max_records,
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _shape_violations(ev: evaluation_pb2.Evaluation) -> list[FieldViolation]:
    v: list[FieldViolation] = []
    if len(ev.display_name) > 200:
        v.append(FieldViolation("evaluation.display_name", f"at most 200 characters, got {len(ev.display_name)}"))
    if not ev.model:
        v.append(FieldViolation("evaluation.model", "required"))
    if not ev.dataset:
        v.append(FieldViolation("evaluation.dataset", "required"))
    if not ev.metrics:
        v.append(FieldViolation("evaluation.metrics", "at least one metric is required"))
    for i, metric in enumerate(ev.metrics):
        if metric not in _METRIC_NAMES:
            v.append(FieldViolation(f"evaluation.metrics[{i}]", f"must be a known metric, got {metric}"))
    missing: dict[str, list[str]] = {}
    for metric in sorted(set(ev.metrics)):
        for f in _NEEDS.get(metric, ()):
            if not getattr(ev, f):
                missing.setdefault(f, []).append(evaluation_pb2.EvaluationMetric.Name(metric))
    v += [FieldViolation(f"evaluation.{f}", f"required for {' and '.join(ms)}") for f, ms in missing.items()]
    if ev.max_records < 0:
        v.append(FieldViolation("evaluation.max_records", f"must be >= 0, got {ev.max_records}"))
    names = {_METRIC_NAMES[m] for m in ev.metrics if m in _METRIC_NAMES}
    if names & _IMAGE_METRICS:
        if names - _IMAGE_METRICS:
            v.append(FieldViolation("evaluation.metrics", "image metrics (FID, ...) cannot be mixed with text metrics"))
        if 0 < ev.max_records < MIN_IMAGES or ev.max_records > MAX_IMAGES:
            v.append(
                FieldViolation(
                    "evaluation.max_records",
                    f"image metrics generate 0 (as many as the reference images) or {MIN_IMAGES} to {MAX_IMAGES:,} "
                    f"images, got {ev.max_records}",
                )
            )
    for k in ev.labels:
        if not k or len(k) > 63:
            v.append(FieldViolation("evaluation.labels", f"label keys must be 1-63 characters, got {k!r}"))
    try:
        params_of(ev.sampling_params)
    except ConfigError as exc:
        v.append(FieldViolation(f"evaluation.sampling_params.{exc.field}", exc.message))
    return v


def sampling_of(ev: evaluation_pb2.Evaluation) -> dict:
    """The canonical, always-seeded sampling settings (reproducible, hence reusable)."""
    p = params_of(ev.sampling_params)
    d = p.canonical()
    d["logprobs"], d["top_logprobs"] = False, 0  # per-token log-probs are not part of an evaluation
    if d["seed"] is None and not p.greedy:
        d["seed"] = DEFAULT_SEED
    return d


async def build_plan(
    ev: evaluation_pb2.Evaluation, tenant: str, datasets: DatasetStore, models: ModelResolver
) -> EvaluationPlan:
    violations = _shape_violations(ev)
    if violations:
        raise InvalidArgument(violations)
    metrics = sorted({metric_name(m) for m in ev.metrics})
    refs = {
        f: await models.resolve(tenant, getattr(ev, f), f"evaluation.{f}") if getattr(ev, f) else None
        for f in _MODEL_FIELDS
    }
    dataset = await _dataset(tenant, ev.dataset, datasets)

    image = bool(set(metrics) & _IMAGE_METRICS)
    if image:
        return _image_plan(ev, metrics, refs["model"], dataset)
    v: list[FieldViolation] = []
    for f in ("model", "baseline_model", "reference_model"):
        ref = refs[f]
        if ref is not None and ref.family not in ("causal_lm", ""):
            v.append(
                FieldViolation(
                    f"evaluation.{f}", f"{getattr(ev, f)} is a {ref.family} model; a causal language model is needed"
                )
            )
    rm = refs["reward_model"]
    if rm is not None and rm.family != "reward_model":
        v.append(
            FieldViolation(
                "evaluation.reward_model", f"{ev.reward_model} is not a reward model (family MODEL_FAMILY_REWARD_MODEL)"
            )
        )
    fmt = dataset.format
    if fmt not in ("sft", "prompts"):
        v.append(
            FieldViolation(
                "evaluation.dataset",
                f"must be DATASET_FORMAT_SFT or DATASET_FORMAT_PROMPTS, {ev.dataset} is {format_label(fmt)}",
            )
        )
    elif fmt != "sft" and set(metrics) & set(NEEDS_SFT):
        needing = ", ".join(m.upper() for m in metrics if m in NEEDS_SFT)
        v.append(
            FieldViolation(
                "evaluation.dataset",
                f"{needing} needs a DATASET_FORMAT_SFT dataset, {ev.dataset} is {format_label(fmt)}",
            )
        )
    if v:
        raise InvalidArgument(v)

    total = dataset.num_records
    assert refs["model"] is not None  # required, checked with the shape
    return EvaluationPlan(
        metrics=metrics,
        model=refs["model"],
        dataset=dataset,
        baseline_model=refs["baseline_model"],
        reward_model=refs["reward_model"],
        reference_model=refs["reference_model"],
        sampling=sampling_of(ev),
        max_records=min(ev.max_records, total) if ev.max_records else total,
    )


def _image_plan(
    ev: evaluation_pb2.Evaluation, metrics: list[str], model: ModelRef | None, dataset: DatasetInput
) -> EvaluationPlan:
    """The plan of an image evaluation: an image model, an image dataset; max_records counts the
    images generated (0: as many as the reference images, which the worker knows)."""
    v: list[FieldViolation] = []
    assert model is not None  # required, checked with the shape
    if model.family != "image":
        v.append(FieldViolation("evaluation.model", f"{ev.model} is not an image model (family MODEL_FAMILY_IMAGE)"))
    if dataset.format != "image":
        v.append(
            FieldViolation(
                "evaluation.dataset",
                f"image metrics need a DATASET_FORMAT_IMAGE dataset, {ev.dataset} is {format_label(dataset.format)}",
            )
        )
    if v:
        raise InvalidArgument(v)
    return EvaluationPlan(
        metrics=metrics,
        model=model,
        dataset=dataset,
        baseline_model=None,
        reward_model=None,
        reference_model=None,
        sampling=sampling_of(ev),
        max_records=ev.max_records,
    )


async def _dataset(tenant: str, name: str, datasets: DatasetStore) -> DatasetInput:
    dataset_id = names.parse(name, "datasets", "evaluation.dataset")
    record = await datasets.get(tenant, dataset_id)
    if record is None:
        raise NotFound("dataset", name)
    return DatasetInput(dataset_id, record.artifact_rel, record.format, record.sha256, record.num_records)
