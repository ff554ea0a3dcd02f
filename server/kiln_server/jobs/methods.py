"""What differs between job methods, in one table: the proto's per-method message, the dataset
format the method trains on, how its options map onto the trainer config, which other models
it refers to, and where the trainer lives.

jobspec.py validates any method through this table and the runner dispatches through it, so
adding a method is one entry here plus its trainer module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kiln.v1 import jobs_pb2
from kiln_trainer.methods import TRAINERS


def _lora(prefix: str, tuning: int, lora: jobs_pb2.LoraOptions) -> dict:
    out: dict = {"tuning": "lora" if tuning == jobs_pb2.TUNING_LORA else "full"}
    if lora.HasField("rank"):
        out["lora_r"] = lora.rank
    if lora.HasField("alpha"):
        out["lora_alpha"] = lora.alpha
    if lora.HasField("dropout"):
        out["lora_dropout"] = lora.dropout
    if lora.target_modules:
        out["lora_target_modules"] = list(lora.target_modules)
    return out


def _lora_paths(prefix: str) -> dict[str, str]:
    return {
        "tuning": f"job.{prefix}.tuning",
        "lora_r": f"job.{prefix}.lora.rank",
        "lora_alpha": f"job.{prefix}.lora.alpha",
        "lora_dropout": f"job.{prefix}.lora.dropout",
        "lora_target_modules": f"job.{prefix}.lora.target_modules",
    }


def _sft(job: jobs_pb2.Job) -> tuple[dict, dict]:
    out = _lora("sft", job.sft.tuning, job.sft.lora)
    if job.sft.HasField("packing"):
        out["packing"] = job.sft.packing
    return out, {}


def _reward(job: jobs_pb2.Job) -> tuple[dict, dict]:
    return _lora("reward_model", job.reward_model.tuning, job.reward_model.lora), {}


def _dpo(job: jobs_pb2.Job) -> tuple[dict, dict]:
    d = job.dpo
    out = _lora("dpo", d.tuning, d.lora)
    if d.HasField("beta"):
        out["beta"] = d.beta
    if d.loss == jobs_pb2.PREFERENCE_LOSS_IPO:
        out["loss"] = "ipo"
    refs = {"reference_model": d.reference_model} if d.reference_model else {}
    return out, refs


def _ppo(job: jobs_pb2.Job) -> tuple[dict, dict]:
    p = job.ppo
    out: dict = {}
    for name in (
        "kl_coef",
        "adaptive_kl",
        "target_kl",
        "gamma",
        "lam",
        "clip_range",
        "value_clip_range",
        "ppo_epochs",
        "rollout_batch_size",
        "minibatch_size",
        "max_new_tokens",
        "temperature",
    ):
        if p.HasField(name):
            out[name] = getattr(p, name)
    refs: dict = {}
    which = p.reward.WhichOneof("source")
    if which == "reward_model":
        refs["reward_model"] = p.reward.reward_model
    elif which == "scoring_function":
        out["scoring_function"] = p.reward.scoring_function
    elif which == "human_feedback":
        out["human_feedback"] = p.reward.human_feedback
    if p.reference_model:
        refs["reference_model"] = p.reference_model
    if p.value_model:
        refs["value_model"] = p.value_model
    out["gpus"] = job.resources.gpus
    return out, refs


def _distill(job: jobs_pb2.Job) -> tuple[dict, dict]:
    d = job.distill
    out: dict = {}
    if d.HasField("temperature"):
        out["temperature"] = d.temperature
    if d.HasField("alpha"):
        out["alpha"] = d.alpha
    return out, ({"teacher_model": d.teacher_model} if d.teacher_model else {})


@dataclass(frozen=True)
class Method:
    name: str  # spec.method and the ListJobs filter name
    oneof: str  # Job.method_config field
    dataset_format: str  # what training_dataset must be
    options: Callable[[jobs_pb2.Job], tuple[dict, dict]]  # -> (config options, model refs by config key)
    data_key: str = "train_path"  # the config field the training file goes to
    val_key: str | None = "val_path"
    single_process: bool = False  # no data-parallel path (workers must be 1)
    paths: dict[str, str] = field(default_factory=dict)  # config field -> request field path

    def config_cls(self):
        return TRAINERS[self.name].config_class()

    def train_fn(self):
        return TRAINERS[self.name].train_fn()


METHODS: dict[int, Method] = {
    jobs_pb2.JOB_METHOD_SFT: Method(
        "sft", "sft", "sft", _sft, paths={**_lora_paths("sft"), "packing": "job.sft.packing"}
    ),
    jobs_pb2.JOB_METHOD_REWARD_MODEL: Method(
        "reward_model", "reward_model", "preference", _reward, single_process=True, paths=_lora_paths("reward_model")
    ),
    jobs_pb2.JOB_METHOD_DPO: Method(
        "dpo",
        "dpo",
        "preference",
        _dpo,
        single_process=True,
        paths={
            **_lora_paths("dpo"),
            "beta": "job.dpo.beta",
            "loss": "job.dpo.loss",
            "reference_model": "job.dpo.reference_model",
        },
    ),
    jobs_pb2.JOB_METHOD_PPO: Method(
        "ppo",
        "ppo",
        "prompts",
        _ppo,
        data_key="prompts_path",
        val_key=None,
        single_process=True,
        paths={
            **{
                k: f"job.ppo.{k}"
                for k in (
                    "kl_coef",
                    "adaptive_kl",
                    "target_kl",
                    "gamma",
                    "lam",
                    "clip_range",
                    "value_clip_range",
                    "ppo_epochs",
                    "rollout_batch_size",
                    "minibatch_size",
                    "max_new_tokens",
                    "temperature",
                    "reference_model",
                    "value_model",
                )
            },
            "reward_model": "job.ppo.reward.reward_model",
            "scoring_function": "job.ppo.reward.scoring_function",
            "human_feedback": "job.ppo.reward.human_feedback",
        },
    ),
    jobs_pb2.JOB_METHOD_DISTILL: Method(
        "distill",
        "distill",
        "sft",
        _distill,
        single_process=True,
        paths={
            "teacher_model": "job.distill.teacher_model",
            "temperature": "job.distill.temperature",
            "alpha": "job.distill.alpha",
        },
    ),
}

BY_NAME = {m.name: m for m in METHODS.values()}


def available(method: Method) -> bool:
    """Whether this build has the method's trainer (a method without one answers UNIMPLEMENTED)."""
    return method.name in TRAINERS and TRAINERS[method.name].available()
