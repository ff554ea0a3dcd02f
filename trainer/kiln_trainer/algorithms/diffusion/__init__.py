"""Diffusion jobs: a DDPM with a small UNet, trained on noise (or v) prediction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.images import DiffusionConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["DiffusionConfig", "train"]


def train(config: DiffusionConfig, ctx: TrainContext) -> TrainResult:
    """Train a DDPM on `config.train_path` (the trainer: trainer.py); the model directory holds
    the EMA weights and the schedule (family "image")."""
    from kiln_trainer.algorithms.diffusion.trainer import DiffusionTrainer

    return DiffusionTrainer(config, ctx).run()
