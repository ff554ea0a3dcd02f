"""GAN jobs: a DCGAN-style generator and discriminator trained adversarially on image records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.images import GANConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["GANConfig", "train"]


def train(config: GANConfig, ctx: TrainContext) -> TrainResult:
    """Train a GAN on `config.train_path` (the trainer: trainer.py); the model directory holds
    the EMA generator (family "image")."""
    from kiln_trainer.algorithms.gan.trainer import GANTrainer

    return GANTrainer(config, ctx).run()
