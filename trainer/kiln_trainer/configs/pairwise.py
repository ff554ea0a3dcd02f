"""The config shared by the methods that learn from preference pairs (reward model, DPO)."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.base import FineTuneArguments
from kiln_trainer.configs.checks import check_bool, check_float, check_optional_int


@dataclass(kw_only=True)
class PairwiseConfig(FineTuneArguments):
    """The fine-tuning arguments (configs/base.py) on preference records: {prompt, chosen, rejected}.

    base_model is typically an SFT result. batch_size counts preference pairs per optimizer step
    (2x as many sequences); max_seq_len bounds each sequence (prompt + one completion), and
    longer prompts lose their start first.
    """

    learning_rate: float = 1e-4  # peak learning rate, after warmup
    # Checkpoint selection on the validation pairs (with a validation split): stop after this
    # many evaluations without a new best validation loss and keep the best weights; None: off.
    # Finite noisy labels overfit both a reward model and DPO; the held-out pairs say when.
    early_stopping_patience: int | None = None
    early_stopping_min_delta: float = 0.0  # a new best must beat the last by more than this
    restore_best_weights: bool = True  # end with the best validated weights (or the last)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_optional_int("early_stopping_patience", self.early_stopping_patience, 1)
        check_float("early_stopping_min_delta", self.early_stopping_min_delta, low=0.0)
        check_bool("restore_best_weights", self.restore_best_weights)
