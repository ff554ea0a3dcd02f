"""Reward-model training on preference pairs with the Bradley-Terry loss.

`train` returns a TrainResult of family "reward_model" whose directory `load_reward_model` reads back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.reward import RewardConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["RewardConfig", "train"]


def train(config: RewardConfig, ctx: TrainContext) -> TrainResult:
    """Train a reward model on `config.train_path` (the trainer: trainer.py).

    Raises ConfigError for problems only visible once data and model are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.reward.trainer import RewardTrainer

    return RewardTrainer(config, ctx).run()
