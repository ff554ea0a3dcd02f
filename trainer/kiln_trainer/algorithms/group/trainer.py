"""The GRPO and RLOO trainers: PPO's trainer (prompts, roles, checkpoints, result) with the
value role left out, prompts sampled in groups and the group loop (loop.py) as the iteration."""

from __future__ import annotations

from kiln_trainer.algorithms.group.loop import GroupLoop
from kiln_trainer.algorithms.ppo.trainer import PPOTrainer, prompt_order
from kiln_trainer.configs.group import GroupConfig, GRPOConfig


class GroupTrainer(PPOTrainer):
    role_names = ("policy", "reference", "reward")
    model_roles = ("policy",)
    history_keys: tuple[str, ...] = ("mean_reward", "kl", "policy_loss", "entropy")
    cfg: GroupConfig

    def baseline(self) -> str:
        raise NotImplementedError

    def make_loop(self) -> GroupLoop:
        return GroupLoop(self.roles, self.loop_options(), self.cfg.group_size, self.baseline(), seed=self.cfg.seed)

    def batch_prompts(self) -> list[int]:
        """rollout_batch_size / group_size prompts, each repeated group_size times in a row."""
        cfg = self.cfg
        prompts = prompt_order(len(self.prompt_ids), cfg.rollout_batch_size // cfg.group_size, self.step, cfg.seed)
        return [i for i in prompts for _ in range(cfg.group_size)]


class GRPOTrainer(GroupTrainer):
    title = "GRPO"
    step_name = "GRPO step"

    def baseline(self) -> str:
        assert isinstance(self.cfg, GRPOConfig)
        return "group_mean_std" if self.cfg.scale_rewards else "group_mean"


class RLOOTrainer(GroupTrainer):
    title = "RLOO"
    step_name = "RLOO step"

    def baseline(self) -> str:
        return "leave_one_out"
