"""PPO against a reward model, a scoring function or live human feedback.

`train` runs the job (the trainer: trainer.py; one iteration: loop.py; the roles it drives:
roles.py, as Ray actors: actors.py) and returns a TrainResult whose model directory holds the
tuned policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.ppo import PPOConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["PPOConfig", "train"]


def train(config: PPOConfig, ctx: TrainContext) -> TrainResult:
    """Tune `config.base_model` with PPO on the prompts in `config.prompts_path`.

    Raises ConfigError for problems only visible once data and models are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.ppo.trainer import PPOTrainer

    return PPOTrainer(config, ctx).run()
