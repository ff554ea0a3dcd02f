"""The SFT job's config: supervised fine-tuning of a causal LM on prompt/completion or chat records."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.base import FineTuneArguments
from kiln_trainer.configs.checks import check_bool, check_int, check_optional_int


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

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("grad_accum_steps", self.grad_accum_steps, 1)
        check_bool("packing", self.packing)
        check_optional_int("early_stopping_patience", self.early_stopping_patience, 1)
