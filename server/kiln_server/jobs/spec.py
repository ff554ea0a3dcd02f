"""CreateJob's conversion boundary: a Job proto in, a validated, self-contained JobSpec out.

All checks on a job's request live here so the servicer stays thin: shape and range errors
become one INVALID_ARGUMENT with a field violation per bad field; references to datasets or
models the tenant does not have become NOT_FOUND.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from kiln.v1 import datasets_pb2, jobs_pb2
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.methods import METHODS, Method, available
from kiln_server.models.store import ModelStore
from kiln_server.platform import names
from kiln_server.platform.errors import FieldViolation, InvalidArgument, NotFound, Unimplemented
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, looks_like_model_dir

MAX_WORKERS, MAX_GPUS, MAX_CPUS, MAX_RETRIES = 64, 8, 64, 10

# Trainer config field -> where it lives in the CreateJobRequest, for field violations.
_FIELD_PATHS = {
    "learning_rate": "job.hyperparameters.learning_rate",
    "epochs": "job.hyperparameters.epochs",
    "max_steps": "job.hyperparameters.max_steps",
    "batch_size": "job.hyperparameters.batch_size",
    "grad_accum_steps": "job.hyperparameters.grad_accum_steps",
    "warmup_steps": "job.hyperparameters.warmup_steps",
    "weight_decay": "job.hyperparameters.weight_decay",
    "max_grad_norm": "job.hyperparameters.max_grad_norm",
    "max_seq_len": "job.hyperparameters.max_seq_len",
    "seed": "job.hyperparameters.seed",
    "precision": "job.hyperparameters.precision",
    "val_fraction": "job.hyperparameters.validation_fraction",
    "eval_every": "job.hyperparameters.eval_every",
    "early_stopping_patience": "job.hyperparameters.early_stopping_patience",
    "checkpoint_every": "job.hyperparameters.checkpoint_every",
    "log_every": "job.hyperparameters.log_every",
    "base_model": "job.base_model",
}

# Hyperparameters proto field -> trainer config key (only where the names differ).
_HP_RENAMES = {"validation_fraction": "val_fraction"}
_PRECISION = {jobs_pb2.PRECISION_FP32: "fp32", jobs_pb2.PRECISION_BF16: "bf16", jobs_pb2.PRECISION_AUTO: "auto"}


@dataclass
class JobSpec:
    """Everything a worker needs to run the job, in plain values (stored as JSON in Redis)."""

    method: str
    display_name: str
    base_model: dict  # {"kind": "builtin"|"model"|"path", ...}
    training_dataset: str  # dataset id
    validation_dataset: str | None
    config: dict  # trainer config (minus base model and data paths)
    resources: dict = field(default_factory=lambda: {"gpus": 0, "cpus": 1, "workers": 1})
    max_retries: int = 2
    labels: dict = field(default_factory=dict)
    model_refs: dict = field(default_factory=dict)  # config key -> model spec like base_model

    def to_dict(self) -> dict:
        return asdict(self)


def _hyperparameters(hp: jobs_pb2.Hyperparameters) -> dict:
    out: dict = {}
    for fd in hp.DESCRIPTOR.fields:
        if fd.name == "precision":
            continue
        if hp.HasField(fd.name):
            out[_HP_RENAMES.get(fd.name, fd.name)] = getattr(hp, fd.name)
    if hp.precision:
        out["precision"] = _PRECISION[hp.precision]
    return out


def validate_config(method: Method, options: dict, base_model_local: str, model_refs: dict[str, str]) -> dict:
    """Runs the trainer's own config validation; returns the normalised config dict.

    `base_model_local` (and the values of `model_refs`) are built-in names or local model
    directories, so checks that depend on a model (e.g. max_seq_len against its context) see it.
    """
    known = {f.name for f in fields(method.config_cls())}
    unsupported = [k for k in options if k not in known]
    if unsupported:
        raise InvalidArgument(
            [FieldViolation(_path(method, k), f"not used by {method.name} jobs") for k in unsupported]
        )
    placeholders = {method.data_key: "<dataset>"}
    try:
        cfg = method.config_cls().from_dict({"base_model": base_model_local, **placeholders, **options, **model_refs})
    except ConfigError as exc:
        raise InvalidArgument.field(_path(method, exc.field), exc.message) from exc
    out = cfg.to_dict()
    for k in ("base_model", method.data_key, method.val_key, *model_refs):
        out.pop(k, None)
    return out


def _path(method: Method, key: str) -> str:
    return method.paths.get(key) or _FIELD_PATHS.get(key, f"job.{key}")


def _shape_violations(job: jobs_pb2.Job) -> list[FieldViolation]:
    v: list[FieldViolation] = []
    if len(job.display_name) > 200:
        v.append(FieldViolation("job.display_name", f"at most 200 characters, got {len(job.display_name)}"))
    if job.method == jobs_pb2.JOB_METHOD_UNSPECIFIED:
        v.append(FieldViolation("job.method", "required"))
    if not job.base_model:
        v.append(FieldViolation("job.base_model", "required"))
    if not job.training_dataset:
        v.append(FieldViolation("job.training_dataset", "required"))
    r = job.resources
    if r.workers > MAX_WORKERS:
        v.append(FieldViolation("job.resources.workers", f"at most {MAX_WORKERS}, got {r.workers}"))
    if r.gpus > MAX_GPUS:
        v.append(FieldViolation("job.resources.gpus", f"at most {MAX_GPUS}, got {r.gpus}"))
    if r.cpus > MAX_CPUS:
        v.append(FieldViolation("job.resources.cpus", f"at most {MAX_CPUS}, got {r.cpus}"))
    if job.HasField("max_retries") and job.max_retries > MAX_RETRIES:
        v.append(FieldViolation("job.max_retries", f"at most {MAX_RETRIES}, got {job.max_retries}"))
    for k in job.labels:
        if not k or len(k) > 63:
            v.append(FieldViolation("job.labels", f"label keys must be 1-63 characters, got {k!r}"))
    return v


async def build_job_spec(
    job: jobs_pb2.Job,
    tenant: str,
    datasets: DatasetStore,
    models: ModelStore,
    default_retries: int,
    local_path: Callable[[str], Path | None],
) -> JobSpec:
    """`local_path(rel)` maps an artifact to a local path when the store is local (else None)."""
    violations = _shape_violations(job)
    which = job.WhichOneof("method_config")
    method = METHODS.get(job.method)
    if method is not None and which not in (None, method.oneof):
        violations.append(
            FieldViolation(
                f"job.{which}", f"does not match method {jobs_pb2.JobMethod.Name(job.method)} (use job.{method.oneof})"
            )
        )
    if method is not None and method.single_process and job.resources.workers > 1:
        violations.append(
            FieldViolation(
                "job.resources.workers",
                f"{method.name} jobs run in one process; use workers <= 1 (got {job.resources.workers})",
            )
        )
    if method is not None and method.val_key is None and job.validation_dataset:
        violations.append(FieldViolation("job.validation_dataset", f"not used by {method.name} jobs"))
    if violations:
        raise InvalidArgument(violations)
    if method is None or not available(method):
        raise Unimplemented(f"{jobs_pb2.JobMethod.Name(job.method)} jobs are not available in this Kiln version")

    base = await _base_model(tenant, job.base_model, models)
    options, refs = method.options(job)
    ref_specs = {k: await _base_model(tenant, v, models, _path(method, k)) for k, v in refs.items()}
    config = validate_config(
        method,
        {**_hyperparameters(job.hyperparameters), **options},
        _local_model(base, local_path),
        {k: _local_model(v, local_path) for k, v in ref_specs.items()},
    )
    train_id = await _dataset(tenant, job.training_dataset, "job.training_dataset", datasets, method)
    val_id = (
        await _dataset(tenant, job.validation_dataset, "job.validation_dataset", datasets, method)
        if job.validation_dataset
        else None
    )
    workers = max(1, job.resources.workers)
    return JobSpec(
        method=method.name,
        display_name=job.display_name or f"{method.name} {job.base_model}",
        base_model=base,
        training_dataset=train_id,
        validation_dataset=val_id,
        config=config,
        resources={"gpus": job.resources.gpus, "cpus": job.resources.cpus or 1, "workers": workers},
        max_retries=job.max_retries if job.HasField("max_retries") else default_retries,
        labels=dict(job.labels),
        model_refs=ref_specs,
    )


def _local_model(base: dict, local_path: Callable[[str], Path | None]) -> str:
    if base["kind"] == "builtin":
        return base["name"]
    if base["kind"] == "path":
        return base["path"]
    local = local_path(base["rel"])
    # A remote artifact store: model-dependent checks happen on the worker instead.
    return str(local) if local is not None else "kiln-gpt-small"


async def _dataset(tenant: str, name: str, field_path: str, datasets: DatasetStore, method: Method) -> str:
    dataset_id = names.parse(name, "datasets", field_path)
    record = await datasets.get(tenant, dataset_id)
    if record is None:
        raise NotFound("dataset", name)
    if record["format"] != method.dataset_format:
        fmt = datasets_pb2.DatasetFormat.Name(int(record["format_enum"]))
        want = f"DATASET_FORMAT_{method.dataset_format.upper()}"
        raise InvalidArgument.field(field_path, f"{method.name} jobs need a {want} dataset, {name} is {fmt}")
    return dataset_id


async def _base_model(tenant: str, spec: str, models: ModelStore, field_path: str = "job.base_model") -> dict:
    if spec in BUILTIN_MODELS:
        return {"kind": "builtin", "name": spec}
    if spec.startswith("models/"):
        model_id = names.parse(spec, "models", field_path)
        record = await models.get(tenant, model_id)
        if record is None:
            raise NotFound("model", spec)
        return {"kind": "model", "id": model_id, "rel": record["artifact_rel"]}
    if os.path.isabs(spec):
        if not looks_like_model_dir(Path(spec)):
            raise NotFound("model", spec, f"no Hugging Face model directory (config.json + weights) at {spec}")
        return {"kind": "path", "path": spec}
    raise NotFound(
        "model",
        spec,
        f"unknown base model {spec!r}: use a built-in ({', '.join(sorted(BUILTIN_MODELS))}), "
        "'models/<id>', or an absolute path to a local model directory",
    )
