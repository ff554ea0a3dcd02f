"""The DPO job's config: direct preference optimisation (DPO, and its IPO variant) of a causal LM."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_choice, check_float, check_model
from kiln_trainer.configs.pairwise import PairwiseConfig
from kiln_trainer.errors import ConfigError

DPO_LOSSES = ("sigmoid", "robust", "ipo")


@dataclass(kw_only=True)
class DPOConfig(PairwiseConfig):
    """Fields as in PairwiseConfig (configs/pairwise.py), plus the ones below."""

    # The frozen model the policy is kept close to; None: base_model itself (the usual choice
    # when base_model is the SFT result).
    reference_model: str | None = None
    # KL strength: larger keeps the policy closer to the reference. The implicit reward of a
    # completion is beta * (log pi - log pi_ref).
    beta: float = 0.1
    # "sigmoid": DPO's logistic loss on summed completion log-probs; "robust": rDPO, the
    # same loss debiased for a share label_smoothing of flipped labels; "ipo": IPO's squared
    # loss toward a margin of 1/(2 beta) on length-normalised (mean per token) log-probs.
    loss: str = "sigmoid"
    # Assumed share of flipped labels, in [0, 0.5): conservative DPO with "sigmoid", the flip
    # rate rDPO corrects for with "robust".
    label_smoothing: float = 0.0
    # Checkpoint selection (PairwiseConfig's early_stopping_*): the validation loss of every
    # variant is DPO's log-loss at beta (the Bradley-Terry likelihood of the implicit reward on
    # held-out pairs), so it is a proper score whatever the training loss, and variants compare
    # on it.
    # DPO moves a pretrained policy, not a fresh head: a small rate keeps it near the reference.
    learning_rate: float = 5e-6

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.reference_model is not None:
            check_model("reference_model", self.reference_model)
        check_float("beta", self.beta, low=0.0, low_open=True)
        check_choice("loss", self.loss, DPO_LOSSES)
        check_float("label_smoothing", self.label_smoothing, low=0.0, high=0.5)
        if self.loss == "ipo" and self.label_smoothing:
            raise ConfigError(
                "label_smoothing", "applies to the sigmoid and robust losses only; set it to 0 with loss='ipo'"
            )
