"""The SFT job's config: supervised fine-tuning of a causal LM on prompt/completion or chat records."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.base import FineTuneArguments
from kiln_trainer.configs.checks import check_bool, check_float, check_int, check_optional_int
from kiln_trainer.configs.techniques import CLOSURE_OPTIMIZERS
from kiln_trainer.errors import ConfigError


@dataclass(kw_only=True)
class SFTConfig(FineTuneArguments):
    """The fine-tuning arguments (configs/base.py) with SFT's records and the fields below.

    train_path and val_path hold sft records: {prompt, completion} or {messages: [...]}.
    batch_size counts rows: with packing a row holds several examples, up to max_seq_len tokens
    (max_seq_len is also the packed row length).
    """

    LABEL = "SFT config"

    grad_accum_steps: int = 1  # micro-batches per optimizer step
    packing: bool = True  # pack several examples per row (falls back if the model can't)
    # Stop after this many evaluations without a new best val loss and keep the best
    # weights; None disables early stopping.
    early_stopping_patience: int | None = None
    # A validation loss counts as a new best only when it beats the best by more than this; >= 0.
    early_stopping_min_delta: float = 0.0
    # With early stopping: end with the best validated weights (True) or the last ones.
    restore_best_weights: bool = True
    # Label smoothing of the next-token targets (training loss only), in [0, 1).
    token_label_smoothing: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("grad_accum_steps", self.grad_accum_steps, 1)
        check_bool("packing", self.packing)
        check_optional_int("early_stopping_patience", self.early_stopping_patience, 1)
        check_float("early_stopping_min_delta", self.early_stopping_min_delta, low=0.0)
        check_bool("restore_best_weights", self.restore_best_weights)
        check_float("token_label_smoothing", self.token_label_smoothing, low=0.0, high=1.0)
        if self.optimizer in CLOSURE_OPTIMIZERS and self.grad_accum_steps > 1:
            # The closure re-evaluates one step's loss many times in its line search; over
            # several micro-batches that multiplies the cost and the memory of every step.
            raise ConfigError("grad_accum_steps", f"must be 1 with optimizer {self.optimizer}")
