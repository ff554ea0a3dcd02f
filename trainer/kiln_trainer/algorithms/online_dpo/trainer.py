"""The online DPO trainer: the group trainer (prompts in groups, the policy, reference and
reward roles, checkpoints, the result) with the online DPO round (loop.py) as its step."""

from __future__ import annotations

from kiln_trainer.algorithms.group.loop import GroupLoop
from kiln_trainer.algorithms.group.trainer import GroupTrainer
from kiln_trainer.algorithms.online_dpo.loop import OnlineDPOLoop
from kiln_trainer.configs.online_dpo import OnlineDPOConfig


class OnlineDPOTrainer(GroupTrainer):
    title = "online DPO"
    step_name = "online DPO round"
    # Present every round; dpo_loss is missing from a round whose groups all tied.
    history_keys: tuple[str, ...] = ("mean_reward", "kl", "entropy")

    def baseline(self) -> str:
        return "group_mean"  # unused: pairs replace the group baseline

    def make_loop(self) -> GroupLoop:
        cfg = self.cfg
        assert isinstance(cfg, OnlineDPOConfig)
        return OnlineDPOLoop(
            self.roles,
            self.loop_options(),
            cfg.group_size,
            cfg.beta,
            cfg.loss,
            cfg.label_smoothing,
            seed=cfg.seed,
        )
