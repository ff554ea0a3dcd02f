"""Direct preference optimisation (DPO, and its IPO variant) of a causal LM on preference pairs.

`train` returns a TrainResult of family "causal_lm" whose directory load_causal_lm reads back
like an SFT result. The algorithm itself works on token-id tensors (core.py); the trainer
(trainer.py) adds files, tokenization, the reference log-prob cache, checkpoints and reporting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiln_trainer.configs.dpo import DPOConfig

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

__all__ = ["DPOConfig", "train"]


def train(config: DPOConfig, ctx: TrainContext) -> TrainResult:
    """Align `config.base_model` to the preferences in `config.train_path` (the trainer: trainer.py).

    Raises ConfigError for problems only visible once data and models are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.dpo.trainer import DPOTrainer

    return DPOTrainer(config, ctx).run()
