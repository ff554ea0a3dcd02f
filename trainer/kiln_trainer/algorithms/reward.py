"""Reward-model training on preference pairs with the Bradley-Terry loss.

`RewardConfig` is validated on construction (ConfigError names the field); `train(config, ctx)`
returns a TrainResult of family "reward_model" whose directory `load_reward_model` reads back.
Torch is imported inside `train`, so this module is cheap to import for its config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiln_trainer.algorithms.pairwise import PairwiseConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult


@dataclass
class RewardConfig(PairwiseConfig):
    """Fields as in PairwiseConfig (trainer/kiln_trainer/algorithms/pairwise.py); the reward head is always
    trained in full, also when tuning="lora" adapts the body."""

    learning_rate: float = 1e-4  # peak learning rate, after warmup


def train(config: RewardConfig, ctx: TrainContext) -> TrainResult:
    """Train a reward model on `config.train_path` (the loop: reward_run.py).

    Raises ConfigError for problems only visible once data and model are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.reward_run import RewardRun

    return RewardRun(config, ctx).run()
