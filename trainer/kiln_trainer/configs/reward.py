"""The REWARD_MODEL job's config: a scalar reward model trained on preference pairs."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_float
from kiln_trainer.configs.pairwise import PairwiseConfig


@dataclass(kw_only=True)
class RewardConfig(PairwiseConfig):
    """Fields as in PairwiseConfig (configs/pairwise.py); the reward head is always trained in
    full, also when tuning="lora" adapts the body."""

    learning_rate: float = 1e-4  # peak learning rate, after warmup
    # Mixup between training pairs (training/mixup.py): Beta(alpha, alpha) mixing of the pooled
    # hidden states and of randomly oriented targets; 0 is off, in [0, 10].
    mixup_alpha: float = 0.0

    def __post_init__(self) -> None:
        check_float("mixup_alpha", self.mixup_alpha, low=0.0, high=10.0, high_open=False)
        super().__post_init__()
