"""Direct preference optimisation (DPO, and its IPO variant) of a causal LM on preference pairs.

`DPOConfig` is validated on construction (ConfigError names the field); `train(config, ctx)`
returns a TrainResult of family "causal_lm" whose directory load_causal_lm reads back like an
SFT result. The algorithm itself works on token-id tensors (dpo_core.py); the job (dpo_run.py)
adds files, tokenization, the reference log-prob cache, checkpoints and reporting.
Torch is imported inside `train`, so this module is cheap to import for its config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiln_trainer.algorithms.checks import check_float
from kiln_trainer.algorithms.pairwise import PairwiseConfig, check_model_spec
from kiln_trainer.errors import ConfigError

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

DPO_LOSSES = ("sigmoid", "ipo")


@dataclass
class DPOConfig(PairwiseConfig):
    """Fields as in PairwiseConfig (trainer/kiln_trainer/algorithms/pairwise.py), plus the ones below."""

    # The frozen model the policy is kept close to; None: base_model itself (the usual choice
    # when base_model is the SFT result).
    reference_model: str | None = None
    # KL strength: larger keeps the policy closer to the reference. The implicit reward of a
    # completion is beta * (log pi - log pi_ref).
    beta: float = 0.1
    # "sigmoid": DPO's logistic loss on summed completion log-probs; "ipo": IPO's squared loss
    # toward a margin of 1/(2 beta) on length-normalised (mean per token) log-probs.
    loss: str = "sigmoid"
    # Assumed share of flipped labels, in [0, 0.5) (conservative DPO; sigmoid loss only).
    label_smoothing: float = 0.0
    # DPO moves a pretrained policy, not a fresh head: a small rate keeps it near the reference.
    learning_rate: float = 5e-6

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.reference_model is not None:
            check_model_spec("reference_model", self.reference_model)
        check_float("beta", self.beta, low=0.0, low_open=True)
        if self.loss not in DPO_LOSSES:
            raise ConfigError("loss", f"must be one of {', '.join(DPO_LOSSES)}, got {self.loss!r}")
        check_float("label_smoothing", self.label_smoothing, low=0.0, high=0.5)
        if self.loss == "ipo" and self.label_smoothing:
            raise ConfigError("label_smoothing", "applies to the sigmoid loss only; set it to 0 with loss='ipo'")


def train(config: DPOConfig, ctx: TrainContext) -> TrainResult:
    """Align `config.base_model` to the preferences in `config.train_path` (the loop: dpo_run.py).

    Raises ConfigError for problems only visible once data and models are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.dpo_run import DPORun

    return DPORun(config, ctx).run()
