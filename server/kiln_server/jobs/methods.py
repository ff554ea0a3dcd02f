"""What differs between job methods, in one table: the Job oneof field holding the method's
options, the dataset format it trains on, where the data goes in its trainer config, and which
Resources fields its config takes. The options themselves are read from the proto by walking its
descriptor (jobs/options.py); the trainer (config class, train function) is found by method name
in kiln_trainer.methods.TRAINERS.

Adding a method is one entry here, its message in the Job oneof, and its trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiln.v1 import jobs_pb2
from kiln_trainer.methods import TRAINERS


@dataclass(frozen=True)
class Method:
    name: str  # spec.method, the ListJobs filter name and the TRAINERS key
    oneof: str  # the Job.method_config field with this method's options
    dataset_format: str  # what training_dataset must be
    data_key: str = "train_path"  # the config field the training file goes to
    val_key: str | None = "val_path"  # the config field the validation file goes to; None: none
    single_process: bool = False  # no data-parallel path (workers must be 1)
    from_scratch: bool = False  # no base model: weights start from the seed (image methods)
    # Takes Job.architecture (a built-in kiln-gpt model's shape, trained from fresh weights).
    architecture: bool = False
    # Config fields filled from the job's Resources (config key -> Resources field).
    resources: dict[str, str] = field(default_factory=dict)

    def config_cls(self) -> Any:
        return TRAINERS[self.name].config_class()

    def train_fn(self) -> Any:
        return TRAINERS[self.name].train_fn()


METHODS: dict[int, Method] = {
    # SFT is the one method that runs on several workers, so the one that takes a sharding.
    jobs_pb2.JOB_METHOD_SFT: Method("sft", "sft", "sft", architecture=True, resources={"sharding": "sharding"}),
    jobs_pb2.JOB_METHOD_REWARD_MODEL: Method("reward_model", "reward_model", "preference", single_process=True),
    jobs_pb2.JOB_METHOD_DPO: Method("dpo", "dpo", "preference", single_process=True),
    jobs_pb2.JOB_METHOD_PPO: Method(
        "ppo",
        "ppo",
        "prompts",
        data_key="prompts_path",
        val_key=None,
        single_process=True,
        # PPO spreads its role actors over the job's GPUs.
        resources={"gpus": "gpus"},
    ),
    # GRPO and RLOO run on PPO's trainer machinery, so they take the same data and resources.
    jobs_pb2.JOB_METHOD_GRPO: Method(
        "grpo",
        "grpo",
        "prompts",
        data_key="prompts_path",
        val_key=None,
        single_process=True,
        resources={"gpus": "gpus"},
    ),
    jobs_pb2.JOB_METHOD_RLOO: Method(
        "rloo",
        "rloo",
        "prompts",
        data_key="prompts_path",
        val_key=None,
        single_process=True,
        resources={"gpus": "gpus"},
    ),
    jobs_pb2.JOB_METHOD_ONLINE_DPO: Method(
        "online_dpo",
        "online_dpo",
        "prompts",
        data_key="prompts_path",
        val_key=None,
        single_process=True,
        resources={"gpus": "gpus"},
    ),
    jobs_pb2.JOB_METHOD_DISTILL: Method("distill", "distill", "sft", single_process=True),
    jobs_pb2.JOB_METHOD_VAE: Method("vae", "vae", "image", single_process=True, from_scratch=True),
    jobs_pb2.JOB_METHOD_GAN: Method("gan", "gan", "image", single_process=True, from_scratch=True),
    jobs_pb2.JOB_METHOD_DIFFUSION: Method("diffusion", "diffusion", "image", single_process=True, from_scratch=True),
    # A classifier on labelled images: trains from scratch like the image methods.
    jobs_pb2.JOB_METHOD_DARTS: Method("darts", "darts", "image", single_process=True, from_scratch=True),
}

BY_NAME = {m.name: m for m in METHODS.values()}


def available(method: Method) -> bool:
    """Whether this build has the method's trainer (a method without one answers UNIMPLEMENTED)."""
    return method.name in TRAINERS and TRAINERS[method.name].available()
