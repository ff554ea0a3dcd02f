"""Knowledge distillation: train a (smaller) student causal LM on a teacher's soft targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.distill import DistillConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["DistillConfig", "train"]


def train(config: DistillConfig, ctx: TrainContext) -> TrainResult:
    """Distil `config.teacher_model` into `config.base_model` on `config.train_path`."""
    from kiln_trainer.algorithms.distill.trainer import DistillTrainer

    return DistillTrainer(config, ctx).run()
