"""Where each training method's config class and train function live, by method name.

The gateway validates a job with the method's config class and a worker runs its `train`; both
find them here, so the trainer's own layout can change without touching the gateway. Importing
this module is cheap: the targets are dotted paths, imported on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrainerEntry:
    config: str  # "module:ConfigClass" in kiln_trainer.configs (torch-free)
    train: str  # "module:function", called as train(config, ctx) -> TrainResult

    def config_class(self) -> Any:
        return _resolve(self.config)

    def train_fn(self) -> Any:
        return _resolve(self.train)

    def available(self) -> bool:
        return importlib.util.find_spec(self.train.partition(":")[0]) is not None


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


TRAINERS: dict[str, TrainerEntry] = {
    "sft": TrainerEntry("kiln_trainer.configs.sft:SFTConfig", "kiln_trainer.algorithms.sft:train"),
    "reward_model": TrainerEntry("kiln_trainer.configs.reward:RewardConfig", "kiln_trainer.algorithms.reward:train"),
    "dpo": TrainerEntry("kiln_trainer.configs.dpo:DPOConfig", "kiln_trainer.algorithms.dpo:train"),
    "ppo": TrainerEntry("kiln_trainer.configs.ppo:PPOConfig", "kiln_trainer.algorithms.ppo:train"),
    "grpo": TrainerEntry("kiln_trainer.configs.group:GRPOConfig", "kiln_trainer.algorithms.group:train_grpo"),
    "rloo": TrainerEntry("kiln_trainer.configs.group:RLOOConfig", "kiln_trainer.algorithms.group:train_rloo"),
    "online_dpo": TrainerEntry(
        "kiln_trainer.configs.online_dpo:OnlineDPOConfig", "kiln_trainer.algorithms.online_dpo:train"
    ),
    "distill": TrainerEntry("kiln_trainer.configs.distill:DistillConfig", "kiln_trainer.algorithms.distill:train"),
    "vae": TrainerEntry("kiln_trainer.configs.images:VAEConfig", "kiln_trainer.algorithms.vae:train"),
    "gan": TrainerEntry("kiln_trainer.configs.images:GANConfig", "kiln_trainer.algorithms.gan:train"),
    "diffusion": TrainerEntry("kiln_trainer.configs.images:DiffusionConfig", "kiln_trainer.algorithms.diffusion:train"),
    "darts": TrainerEntry("kiln_trainer.configs.darts:DartsConfig", "kiln_trainer.algorithms.darts:train"),
}
