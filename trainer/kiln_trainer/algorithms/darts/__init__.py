"""DARTS jobs: differentiable architecture search of a small convolutional cell for image
classification (search space: cell.py; the job trainer: trainer.py; the in-process
search/retrain functions the benchmark and unit tests call: standalone.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.darts import DartsConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["DartsConfig", "train"]


def train(config: DartsConfig, ctx: TrainContext) -> TrainResult:
    """Search (or sample) a cell, retrain it and return the classifier's model directory
    (config.json with the genotype, model.safetensors; family "image")."""
    from kiln_trainer.algorithms.darts.trainer import DartsTrainer

    return DartsTrainer(config, ctx).run()
