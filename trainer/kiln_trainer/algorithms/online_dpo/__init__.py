"""Online (iterative) DPO: sample from the current policy, score with the job's reward source,
pair each prompt's best and worst completion, take DPO steps against the frozen reference,
repeat. It runs on the group methods' machinery (PPO's roles, rollouts and checkpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiln_trainer.configs.online_dpo import OnlineDPOConfig
    from kiln_trainer.context import TrainContext, TrainResult


def train(config: OnlineDPOConfig, ctx: TrainContext) -> TrainResult:
    from kiln_trainer.algorithms.online_dpo.trainer import OnlineDPOTrainer

    return OnlineDPOTrainer(config, ctx).run()
