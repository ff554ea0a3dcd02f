"""VAE jobs: a convolutional variational autoencoder trained on image records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.images import VAEConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["VAEConfig", "train"]


def train(config: VAEConfig, ctx: TrainContext) -> TrainResult:
    """Train a VAE on `config.train_path` (the trainer: trainer.py); returns a model directory
    with config.json and model.safetensors (family "image")."""
    from kiln_trainer.algorithms.vae.trainer import VAETrainer

    return VAETrainer(config, ctx).run()
