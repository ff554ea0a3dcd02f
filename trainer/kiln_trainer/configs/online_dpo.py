"""Online (iterative) DPO's config: the group methods' rollout and reward settings, with DPO's
loss settings in place of the KL-penalised policy gradient."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_choice, check_float
from kiln_trainer.configs.group import GroupConfig
from kiln_trainer.errors import ConfigError

ONLINE_PREFERENCE_LOSSES = ("sigmoid", "ipo", "robust")


@dataclass(kw_only=True)
class OnlineDPOConfig(GroupConfig):
    """Each round (max_steps of them) samples group_size completions of rollout_batch_size /
    group_size prompts, pairs each prompt's best and worst scored completion (ties skipped)
    and takes ppo_epochs passes of DPO steps over the pairs, minibatch_size pairs a step.
    kl_coef is unused: the reference enters through the DPO loss."""

    LABEL = "online DPO config"

    beta: float = 0.1  # strength of the implicit KL constraint
    loss: str = "sigmoid"  # sigmoid (DPO), ipo or robust
    label_smoothing: float = 0.0  # conservative DPO / rDPO flip rate; not with ipo
    minibatch_size: int = 4  # pairs per optimiser step

    def __post_init__(self) -> None:
        super().__post_init__()
        check_float("beta", self.beta, low=0.0, low_open=True)
        check_choice("loss", self.loss, ONLINE_PREFERENCE_LOSSES)
        check_float("label_smoothing", self.label_smoothing, low=0.0, high=0.5, high_open=True)
        if self.loss == "ipo" and self.label_smoothing:
            raise ConfigError("label_smoothing", "IPO takes no label smoothing; use sigmoid or robust")
        prompts = self.rollout_batch_size // self.group_size
        if self.minibatch_size > prompts:
            raise ConfigError(
                "minibatch_size",
                f"{self.minibatch_size} pairs exceeds the {prompts} prompts (pairs at most) of a round "
                f"(rollout_batch_size / group_size)",
            )
