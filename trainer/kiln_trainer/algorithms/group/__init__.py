"""GRPO and RLOO: several completions per prompt, the group's rewards as the baseline, no critic.

They reuse PPO's machinery (roles, Ray actors, rollouts, clipped policy steps, checkpoints):
group/trainer.py subclasses the PPO trainer, group/loop.py the PPO iteration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiln_trainer.configs.group import GRPOConfig, RLOOConfig
    from kiln_trainer.context import TrainContext, TrainResult


def train_grpo(config: GRPOConfig, ctx: TrainContext) -> TrainResult:
    from kiln_trainer.algorithms.group.trainer import GRPOTrainer

    return GRPOTrainer(config, ctx).run()


def train_rloo(config: RLOOConfig, ctx: TrainContext) -> TrainResult:
    from kiln_trainer.algorithms.group.trainer import RLOOTrainer

    return RLOOTrainer(config, ctx).run()
