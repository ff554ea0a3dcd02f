"""CreateJob's conversion boundary: a Job proto in, a validated, self-contained JobSpec out.

All checks on a job's request live here so the servicer stays thin: shape and range errors
become one INVALID_ARGUMENT with a field violation per bad field; references to datasets or
models the tenant does not have become NOT_FOUND. Options are read from the proto by one
descriptor walk (jobs/options.py) and validated by the method's own trainer config, whose
ConfigError lands on the request path of the field at fault.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from kiln.v1 import common_pb2, jobs_pb2
from kiln_server.datasets.builtin import is_builtin
from kiln_server.datasets.convert import format_label
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.methods import METHODS, Method, available
from kiln_server.jobs.options import Options, job_options
from kiln_server.models.ref import ModelKind, ModelRef, ModelResolver
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, Unimplemented
from kiln_trainer.configs.images import SCRATCH
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS
from kiln_trainer.models.registry import is_builtin as is_builtin_model

MAX_WORKERS, MAX_GPUS, MAX_CPUS, MAX_RETRIES = 64, 8, 64, 10
# The trainer config checks a data path is given; the file itself only exists on the worker.
_DATA_PLACEHOLDER = "<dataset>"


@dataclass(frozen=True)
class JobResources:
    gpus: int = 0
    cpus: int = 1
    workers: int = 1  # more than one: data-parallel (Ray Train)


@dataclass
class JobSpec:
    """Everything a worker needs to run the job, in plain values (stored as JSON in Redis)."""

    method: str
    display_name: str
    base_model: ModelRef
    training_dataset: str  # dataset id
    validation_dataset: str | None
    config: dict  # trainer config (minus base model, model references and data paths)
    resources: JobResources = field(default_factory=JobResources)
    max_retries: int = 2
    labels: dict = field(default_factory=dict)
    model_refs: dict[str, ModelRef] = field(default_factory=dict)  # config key -> the model it names

    def to_dict(self) -> dict[str, Any]:
        return {
            **{f.name: getattr(self, f.name) for f in fields(self)},
            "base_model": self.base_model.to_dict(),
            "model_refs": {k: ref.to_dict() for k, ref in self.model_refs.items()},
            "resources": asdict(self.resources),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobSpec:
        return cls(
            **{
                **d,
                "base_model": ModelRef.from_dict(d["base_model"]),
                "model_refs": {k: ModelRef.from_dict(ref) for k, ref in d.get("model_refs", {}).items()},
                "resources": JobResources(**d.get("resources", {})),
            }
        )


def path_of(options: Options, key: str) -> str:
    """The request path of trainer config key `key` (base_model and unknown keys included)."""
    return "job.base_model" if key == "base_model" else options.paths.get(key, f"job.{key}")


def validate_config(method: Method, options: Options, base_model: str, model_refs: dict[str, str]) -> dict[str, Any]:
    """Runs the trainer's own config validation; returns the normalised config dict.

    `base_model` (and the values of `model_refs`) are what the trainer's checks open on this
    machine: built-in names or local model directories, so checks that depend on a model (e.g.
    max_seq_len against its context) see it.
    """
    known = {f.name for f in fields(method.config_cls())}
    unsupported = [k for k in options.values if k not in known]
    if unsupported:
        raise InvalidArgument(
            [FieldViolation(path_of(options, k), f"not used by {method.name} jobs") for k in unsupported]
        )
    given = {"base_model": base_model, method.data_key: _DATA_PLACEHOLDER, **options.values, **model_refs}
    try:
        cfg = method.config_cls().from_dict(given)
    except ConfigError as exc:
        raise InvalidArgument.field(path_of(options, exc.field), exc.message) from exc
    out = cfg.to_dict()
    for k in ("base_model", method.data_key, method.val_key, *model_refs):
        out.pop(k, None)
    return out


def _shape_violations(job: jobs_pb2.Job) -> list[FieldViolation]:
    v: list[FieldViolation] = []
    if len(job.display_name) > 200:
        v.append(FieldViolation("job.display_name", f"at most 200 characters, got {len(job.display_name)}"))
    if job.method == jobs_pb2.JOB_METHOD_UNSPECIFIED:
        v.append(FieldViolation("job.method", "required"))
    if not job.training_dataset:
        v.append(FieldViolation("job.training_dataset", "required"))
    r = job.resources
    if r.workers > MAX_WORKERS:
        v.append(FieldViolation("job.resources.workers", f"at most {MAX_WORKERS}, got {r.workers}"))
    if r.gpus > MAX_GPUS:
        v.append(FieldViolation("job.resources.gpus", f"at most {MAX_GPUS}, got {r.gpus}"))
    if r.sharding not in common_pb2.ShardingStrategy.values():
        v.append(FieldViolation("job.resources.sharding", f"unknown ShardingStrategy value {r.sharding}"))
    elif r.sharding == common_pb2.SHARDING_STRATEGY_FSDP and r.workers <= 1:
        # FSDP splits the model over workers; with one there is nothing to split, and saying so
        # beats running a one-process job that silently ignores the setting.
        v.append(FieldViolation("job.resources.sharding", f"FSDP needs workers >= 2 (got {r.workers})"))
    if r.cpus > MAX_CPUS:
        v.append(FieldViolation("job.resources.cpus", f"at most {MAX_CPUS}, got {r.cpus}"))
    if job.HasField("max_retries") and job.max_retries > MAX_RETRIES:
        v.append(FieldViolation("job.max_retries", f"at most {MAX_RETRIES}, got {job.max_retries}"))
    for k in job.labels:
        if not k or len(k) > 63:
            v.append(FieldViolation("job.labels", f"label keys must be 1-63 characters, got {k!r}"))
    return v


def _method_violations(job: jobs_pb2.Job, method: Method | None) -> list[FieldViolation]:
    if method is None:
        return [] if job.base_model else [FieldViolation("job.base_model", "required")]
    v: list[FieldViolation] = []
    if method.from_scratch and job.base_model:
        v.append(FieldViolation("job.base_model", f"{method.name} jobs train from scratch; leave it empty"))
    elif not method.from_scratch and not job.base_model:
        v.append(FieldViolation("job.base_model", "required"))
    which = job.WhichOneof("method_config")
    if which not in (None, method.oneof):
        name = jobs_pb2.JobMethod.Name(job.method)
        v.append(FieldViolation(f"job.{which}", f"does not match method {name} (use job.{method.oneof})"))
    if method.single_process and job.resources.workers > 1:
        v.append(
            FieldViolation(
                "job.resources.workers",
                f"{method.name} jobs run in one process; use workers <= 1 (got {job.resources.workers})",
            )
        )
    if job.resources.workers > 1:
        # These step on per-rank values (a line search, Hessian probes, ascent steps), so they
        # run in one process; the trainer refuses them too, this says so before queueing.
        hp = job.hyperparameters
        if hp.optimizer.kind in (jobs_pb2.OPTIMIZER_KIND_LBFGS, jobs_pb2.OPTIMIZER_KIND_SOPHIA):
            v.append(FieldViolation("job.hyperparameters.optimizer.kind", "runs in one process; use workers <= 1"))
        if hp.adversarial.method != jobs_pb2.ADVERSARIAL_METHOD_UNSPECIFIED:
            v.append(FieldViolation("job.hyperparameters.adversarial.method", "runs in one process; use workers <= 1"))
    if method.val_key is None and job.validation_dataset:
        v.append(FieldViolation("job.validation_dataset", f"not used by {method.name} jobs"))
    if job.HasField("architecture"):
        if not method.architecture:
            v.append(FieldViolation("job.architecture", f"not used by {method.name} jobs (SFT only)"))
        elif not is_builtin_model(job.base_model):
            # A registered or Hugging Face model's shape is fixed by its weights.
            v.append(
                FieldViolation(
                    "job.architecture",
                    f"reshapes a built-in base model ({', '.join(BUILTIN_MODELS)}) only, not {job.base_model!r}",
                )
            )
    return v


class JobSpecBuilder:
    """Builds JobSpecs against one deployment's datasets, models and artifact store."""

    def __init__(
        self,
        datasets: DatasetStore,
        models: ModelResolver,
        artifacts: ArtifactStore,
        scratch: Path,
        default_retries: int,
    ):
        self.datasets = datasets
        self.models = models
        self.artifacts = artifacts
        self.scratch = Path(scratch)
        self.default_retries = default_retries

    async def build(self, job: jobs_pb2.Job, tenant: str) -> JobSpec:
        method = METHODS.get(job.method)
        violations = _shape_violations(job) + _method_violations(job, method)
        if violations:
            raise InvalidArgument(violations)
        if method is None or not available(method):
            raise Unimplemented(f"{jobs_pb2.JobMethod.Name(job.method)} jobs are not available in this Kiln version")

        options = job_options(job, method.oneof, method.resources, method.architecture)
        if method.from_scratch:
            base = ModelRef(ModelKind.BUILTIN, SCRATCH, SCRATCH, "image")
        else:
            base = await self.models.resolve(tenant, job.base_model, "job.base_model", local_dirs=True)
        refs = {
            key: await self.models.resolve(tenant, name, path_of(options, key), local_dirs=True)
            for key, name in options.models.items()
        }
        config = validate_config(
            method,
            options,
            await self._checkable(tenant, base),
            {key: await self._checkable(tenant, ref) for key, ref in refs.items()},
        )
        train_id = await self._dataset(tenant, job.training_dataset, "job.training_dataset", method)
        val_id = (
            await self._dataset(tenant, job.validation_dataset, "job.validation_dataset", method)
            if job.validation_dataset
            else None
        )
        if method.from_scratch and is_builtin(train_id):
            config["heldout_dataset"] = train_id  # the built-in's held-out split scores the model
        return JobSpec(
            method=method.name,
            display_name=job.display_name or f"{method.name} {job.base_model or job.training_dataset}",
            base_model=base,
            training_dataset=train_id,
            validation_dataset=val_id,
            config=config,
            resources=JobResources(job.resources.gpus, job.resources.cpus or 1, max(1, job.resources.workers)),
            max_retries=job.max_retries if job.HasField("max_retries") else self.default_retries,
            labels=dict(job.labels),
            model_refs=refs,
        )

    async def _checkable(self, tenant: str, ref: ModelRef) -> str:
        """What the trainer's config checks open for `ref` on the gateway: the built-in name or
        local directory, or for a model kept in a remote artifact store, its config view."""
        local = ref.local_path(self.artifacts)
        return local if local is not None else await asyncio.to_thread(self._config_view, tenant, ref)

    def _config_view(self, tenant: str, ref: ModelRef) -> str:
        """A local directory with the model's real config.json. The config checks read only that
        file (model type, architecture) and test that weights exist; weights are never loaded on
        the gateway, so an empty file marks them. The worker fetches the real directory."""
        view = self.scratch / "model-configs" / tenant / ref.id
        if not (view / "config.json").is_file():
            try:
                self.artifacts.get_file(f"{ref.rel}/config.json", view / "config.json")
            except FileNotFoundError as exc:
                raise FailedPrecondition(
                    f"{ref.name} has no config.json in the artifact store", subject=ref.name
                ) from exc
            (view / "model.safetensors").touch()
        return str(view)

    async def _dataset(self, tenant: str, name: str, field_path: str, method: Method) -> str:
        dataset_id = names.parse(name, "datasets", field_path)
        record = await self.datasets.get(tenant, dataset_id)
        if record is None:
            raise NotFound("dataset", name)
        if record.format != method.dataset_format:
            want, have = format_label(method.dataset_format), format_label(record.format)
            raise InvalidArgument.field(field_path, f"{method.name} jobs need a {want} dataset, {name} is {have}")
        return dataset_id
