"""The config shared by the methods that learn from preference pairs (reward model, DPO)."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.base import FineTuneArguments


@dataclass(kw_only=True)
class PairwiseConfig(FineTuneArguments):
    """The fine-tuning arguments (configs/base.py) on preference records: {prompt, chosen, rejected}.

    base_model is typically an SFT result. batch_size counts preference pairs per optimizer step
    (2x as many sequences); max_seq_len bounds each sequence (prompt + one completion), and
    longer prompts lose their start first.
    """

    learning_rate: float = 1e-4  # peak learning rate, after warmup
