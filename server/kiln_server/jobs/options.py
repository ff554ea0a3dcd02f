"""A job's proto options -> trainer config keys, by walking the messages' descriptors.

One walk serves every method: the Hyperparameters message and the method's own message (e.g.
PpoConfig) are read field by field, and every field records its request path, so a trainer
ConfigError on any key becomes a field violation at the field the client set
(job.ppo.kl_coef, job.hyperparameters.validation_fraction, job.sft.lora.rank, ...).

How a field maps:
- its config key is the proto field name, except where RENAMES says otherwise;
- a sub-message (LoraOptions, RewardSource) is walked in place: its fields join the same keys;
- a field with presence (proto3 `optional`, a oneof member) is read when set; a repeated field
  when non-empty (a repeated enum as a list of its value labels); an enum when not UNSPECIFIED,
  as its value name without the enum's prefix, in lower case (TUNING_LORA -> "lora",
  PRECISION_BF16 -> "bf16"); any other field when not empty;
- a string field named `*_model` names a model (reference_model, reward_model, ...): it is not an
  option but a model reference, resolved (and checked) by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from kiln.v1 import jobs_pb2
from kiln_server.platform.errors import InvalidArgument

# Proto field (full name) -> trainer config key, where the two differ.
RENAMES = {
    "kiln.v1.Hyperparameters.validation_fraction": "val_fraction",
    "kiln.v1.LoraOptions.rank": "lora_r",
    "kiln.v1.LoraOptions.alpha": "lora_alpha",
    "kiln.v1.LoraOptions.dropout": "lora_dropout",
    "kiln.v1.LoraOptions.target_modules": "lora_target_modules",
    "kiln.v1.OptimizerOptions.kind": "optimizer",
    "kiln.v1.OptimizerOptions.history_size": "lbfgs_history_size",
    "kiln.v1.LrScheduleOptions.kind": "lr_schedule",
    "kiln.v1.LrScheduleOptions.step_size": "lr_step_size",
    "kiln.v1.LrScheduleOptions.gamma": "lr_gamma",
    # SFT's token-level smoothing; DpoConfig.label_smoothing is DPO's preference-label one.
    "kiln.v1.RegularizationOptions.label_smoothing": "token_label_smoothing",
    "kiln.v1.CurriculumOptions.order": "curriculum",
    "kiln.v1.CurriculumOptions.pacing": "curriculum_pacing",
    "kiln.v1.CurriculumOptions.start_share": "curriculum_start",
    "kiln.v1.CurriculumOptions.ramp": "curriculum_ramp",
    "kiln.v1.CurriculumOptions.anti": "anti_curriculum",
    "kiln.v1.CurriculumOptions.rescore_every": "curriculum_rescore_every",
    "kiln.v1.AugmentationOptions.token_mask_prob": "augment_mask_prob",
    "kiln.v1.AugmentationOptions.span_deletion_prob": "augment_span_deletion_prob",
    "kiln.v1.AugmentationOptions.swap_prob": "augment_swap_prob",
    "kiln.v1.AdversarialOptions.method": "adversarial",
    "kiln.v1.AdversarialOptions.epsilon": "adversarial_epsilon",
    "kiln.v1.AdversarialOptions.steps": "adversarial_steps",
    "kiln.v1.AdversarialOptions.step_size": "adversarial_step_size",
    "kiln.v1.AdversarialOptions.weight": "adversarial_weight",
    # The GAN's own switch (discriminator layers only); regularization.spectral_norm is the
    # generic one over every Linear layer.
    "kiln.v1.GanConfig.spectral_norm": "discriminator_spectral_norm",
    "kiln.v1.RemoteReward.target": "reward_service",
    "kiln.v1.RemoteReward.timeout_seconds": "reward_timeout_s",
    "kiln.v1.RemoteReward.max_batch_size": "reward_batch_size",
    "kiln.v1.RemoteReward.max_retries": "reward_retries",
    # The group methods' passes over a rollout batch are PPO's ppo_epochs.
    "kiln.v1.GrpoConfig.epochs": "ppo_epochs",
    "kiln.v1.RlooConfig.epochs": "ppo_epochs",
    "kiln.v1.OnlineDpoConfig.epochs": "ppo_epochs",
    "kiln.v1.OnlineDpoConfig.samples_per_prompt": "group_size",
}


@dataclass
class Options:
    values: dict[str, Any] = field(default_factory=dict)  # config key -> value, for the fields set
    models: dict[str, str] = field(default_factory=dict)  # config key -> model name, for the fields set
    paths: dict[str, str] = field(default_factory=dict)  # config key -> request path, for every field

    def merge(self, other: Options) -> Options:
        clash = set(self.paths) & set(other.paths)
        if clash:  # two request fields for one config key: a renames table mistake
            raise ValueError(f"config keys mapped twice: {', '.join(sorted(clash))}")
        return Options(self.values | other.values, self.models | other.models, self.paths | other.paths)


def key_of(fd: FieldDescriptor) -> str:
    return RENAMES.get(fd.full_name, fd.name)


def is_model_field(fd: FieldDescriptor) -> bool:
    return fd.type == FieldDescriptor.TYPE_STRING and fd.name.endswith("_model")


def paths_of(descriptor: Descriptor, path: str) -> dict[str, str]:
    """Config key -> request path for every (nested) field of `descriptor` under `path`."""
    out: dict[str, str] = {}
    for fd in descriptor.fields:
        if fd.type == FieldDescriptor.TYPE_MESSAGE and not fd.is_repeated:
            out |= paths_of(fd.message_type, f"{path}.{fd.name}")
        else:
            out[key_of(fd)] = f"{path}.{fd.name}"
    return out


def read(message: Message, path: str) -> Options:
    """The options set in `message` (a message at request path `path`), with every field's path."""
    out = Options(paths=paths_of(message.DESCRIPTOR, path))
    _read_into(message, path, out)
    return out


def _read_into(message: Message, path: str, out: Options) -> None:
    # The stubs type a message's fields as the C (upb) or the Python descriptor; both read alike.
    for fd in cast("list[FieldDescriptor]", message.DESCRIPTOR.fields):
        value = getattr(message, fd.name)
        if fd.type == FieldDescriptor.TYPE_MESSAGE and not fd.is_repeated:
            _read_into(value, f"{path}.{fd.name}", out)
        elif fd.is_repeated:
            if value and fd.type == FieldDescriptor.TYPE_ENUM:
                out.values[key_of(fd)] = [_enum_label(fd, v, f"{path}.{fd.name}") for v in value]
            elif value:
                out.values[key_of(fd)] = list(value)
        elif fd.has_presence and not message.HasField(fd.name):
            continue
        elif is_model_field(fd):
            if value:
                out.models[key_of(fd)] = value
        elif fd.type == FieldDescriptor.TYPE_ENUM:
            if value:
                out.values[key_of(fd)] = _enum_label(fd, value, f"{path}.{fd.name}")
        elif fd.has_presence or value:
            out.values[key_of(fd)] = value


def _enum_label(fd: FieldDescriptor, number: int, path: str) -> str:
    enum = fd.enum_type
    if number not in enum.values_by_number:  # a value from a newer client's proto
        raise InvalidArgument.field(path, f"unknown {enum.name} value {number}")
    prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED")  # "TUNING_"
    return enum.values_by_number[number].name.removeprefix(prefix).lower()


def job_options(job: jobs_pb2.Job, oneof: str, resources: dict[str, str], architecture: bool = False) -> Options:
    """Everything a job sets for its trainer config: hyperparameters, the method's own message
    (`oneof`), Job.architecture for methods that take it, and the config keys filled from
    Resources (`resources`: key -> Resources field)."""
    options = read(job.hyperparameters, "job.hyperparameters").merge(read(getattr(job, oneof), f"job.{oneof}"))
    if architecture:
        options = options.merge(read(job.architecture, "job.architecture"))
    from_resources = Options(paths={key: f"job.resources.{name}" for key, name in resources.items()})
    for key, name in resources.items():
        fd: FieldDescriptor = job.resources.DESCRIPTOR.fields_by_name[name]  # type: ignore[assignment]
        value = getattr(job.resources, name)
        if fd.type != FieldDescriptor.TYPE_ENUM:
            from_resources.values[key] = value
        elif value:  # an enum (sharding) as elsewhere: its label, and left to the default when unset
            from_resources.values[key] = _enum_label(fd, value, f"job.resources.{name}")
    return options.merge(from_resources)
