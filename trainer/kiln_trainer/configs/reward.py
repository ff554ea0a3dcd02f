"""The REWARD_MODEL job's config: a scalar reward model trained on preference pairs."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.pairwise import PairwiseConfig


@dataclass(kw_only=True)
class RewardConfig(PairwiseConfig):
    """Fields as in PairwiseConfig (configs/pairwise.py); the reward head is always trained in
    full, also when tuning="lora" adapts the body."""

    learning_rate: float = 1e-4  # peak learning rate, after warmup
