"""Supervised fine-tuning of a causal LM on prompt/completion or chat records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.sft import SFTConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["SFTConfig", "train"]


def train(config: SFTConfig, ctx: TrainContext) -> TrainResult:
    """Fine-tune `config.base_model` on `config.train_path` (the trainer: trainer.py).

    Raises ConfigError for problems only visible once data and model are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.sft.trainer import SFTTrainer

    return SFTTrainer(config, ctx).run()
