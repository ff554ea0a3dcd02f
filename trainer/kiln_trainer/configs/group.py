"""Configs of the group methods, GRPO and RLOO: PPO's rollout and reward settings without a
critic; several completions per prompt, whose rewards baseline one another."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_bool, check_int
from kiln_trainer.configs.ppo import PPOConfig
from kiln_trainer.errors import ConfigError


@dataclass(kw_only=True)
class GroupConfig(PPOConfig):
    """PPOConfig's fields (the value ones unused), plus the group size. rollout_batch_size stays
    the completions per iteration: rollout_batch_size / group_size prompts, group_size each."""

    LABEL = "group config"

    group_size: int = 4  # completions sampled per prompt; >= 2
    # Fixed by default: the same KL-regularised objective as PPO, with the per-sequence KL
    # (k1 by default) taken off each completion's reward before the group baseline.
    kl_coef: float = 0.05
    rollout_batch_size: int = 16
    minibatch_size: int = 8
    ppo_epochs: int = 1  # passes over each rollout batch (> 1: the ratio is clipped at clip_range)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("group_size", self.group_size, 2)
        if self.rollout_batch_size % self.group_size:
            raise ConfigError(
                "rollout_batch_size",
                f"{self.rollout_batch_size} is not a multiple of group_size {self.group_size}",
            )


@dataclass(kw_only=True)
class GRPOConfig(GroupConfig):
    LABEL = "GRPO config"

    scale_rewards: bool = True  # divide each group's centred rewards by the group's std

    def __post_init__(self) -> None:
        super().__post_init__()
        check_bool("scale_rewards", self.scale_rewards)


@dataclass(kw_only=True)
class RLOOConfig(GroupConfig):
    LABEL = "RLOO config"
