"""Every method's config, torch-free: the gateway imports these to validate a job.

Imports run one way: configs import only errors, the model registry and the scoring registry,
never an algorithm or a heavy library (tests/unit/trainer/configs/test_imports.py enforces it).
"""

from kiln_trainer.configs.base import FineTuneArguments, LoraArguments, LoraSettings, TrainingArguments
from kiln_trainer.configs.distill import DistillConfig
from kiln_trainer.configs.dpo import DPOConfig
from kiln_trainer.configs.pairwise import PairwiseConfig
from kiln_trainer.configs.ppo import PPOConfig
from kiln_trainer.configs.reward import RewardConfig
from kiln_trainer.configs.sft import SFTConfig

__all__ = [
    "DPOConfig",
    "DistillConfig",
    "FineTuneArguments",
    "LoraArguments",
    "LoraSettings",
    "PPOConfig",
    "PairwiseConfig",
    "RewardConfig",
    "SFTConfig",
    "TrainingArguments",
]
