"""One GRPO / RLOO iteration: PPO's iteration (ppo/loop.py) with the critic replaced by the
group baseline.

Rollouts come in groups of G completions of one prompt, laid out contiguously. Each
completion's return is its reward minus kl_coef times its sequence KL to the reference (the
same KL-regularised objective PPO optimises); the group baseline turns returns into one
advantage per completion, applied to each of its tokens, and the policy takes PPO's clipped
surrogate steps on them. Only the policy trains.
"""

from __future__ import annotations

from typing import Any

import torch

from kiln_trainer.algorithms.ppo.experience import RolloutBatch
from kiln_trainer.algorithms.ppo.loop import Experience, LoopOptions, PPOLoop
from kiln_trainer.losses import group_relative_advantages, kl_penalty, leave_one_out_advantages

BASELINES = ("group_mean_std", "group_mean", "leave_one_out")


def group_advantages(returns: torch.Tensor, group_size: int, baseline: str) -> torch.Tensor:
    """(B,) returns in contiguous groups -> (B,) advantages."""
    groups = returns.view(-1, group_size)
    if baseline == "leave_one_out":
        adv = leave_one_out_advantages(groups)
    elif baseline in ("group_mean_std", "group_mean"):
        adv = group_relative_advantages(groups, scale=baseline == "group_mean_std")
    else:
        raise ValueError(f"unknown baseline {baseline!r}; expected one of {', '.join(BASELINES)}")
    return adv.reshape(-1)


class GroupLoop(PPOLoop):
    trained_roles = ("policy",)

    def __init__(self, roles: Any, opts: LoopOptions, group_size: int, baseline: str, seed: int = 0):
        if group_size < 2 or opts.minibatch_size < 1:
            raise ValueError(f"group_size must be >= 2, got {group_size}")
        if baseline not in BASELINES:
            raise ValueError(f"unknown baseline {baseline!r}; expected one of {', '.join(BASELINES)}")
        super().__init__(roles, opts, seed)
        self.group_size = group_size
        self.baseline = baseline

    def _usable(self, scores: list[float | None]) -> list[int]:
        """Whole groups only: a baseline needs every sample of its group rated."""
        g = self.group_size
        keep: list[int] = []
        for start in range(0, len(scores), g):
            if all(s is not None for s in scores[start : start + g]):
                keep.extend(range(start, start + g))
        return keep

    def _experience(self, batch: RolloutBatch, scores: torch.Tensor) -> Experience:
        R = self.roles
        pending = (R.call("policy", "logprobs", batch), R.call("reference", "logprobs", batch))
        (logps, entropy), ref_logps = (R.get(p) for p in pending)
        mask = batch.completion_mask.to(torch.float32)
        kl = kl_penalty(logps, ref_logps, self.opts.kl_estimator) * mask
        returns = scores.to(torch.float32) - self.kl_ctl.value * kl.sum(1)  # (B,)
        adv = group_advantages(returns, self.group_size, self.baseline)
        advantages = adv[:, None] * mask  # every token of a completion shares its advantage
        zeros = torch.zeros_like(logps)
        return Experience(logps, entropy, zeros, kl, advantages, returns[:, None] * mask, mask)

    def _train_calls(self, mb: RolloutBatch, exp: Experience, idx: torch.Tensor) -> list[Any]:
        return [self.roles.call("policy", "train_step", mb, exp.logprobs[idx], exp.advantages[idx])]

    def _summary(self, exp: Experience) -> dict[str, float]:
        returns = exp.returns.sum(1) / exp.mask.sum(1).clamp(min=1)  # each row's (constant) return
        spread = returns.view(-1, self.group_size).std(1)
        return {
            "group_return_std": float(spread.mean()),
            # Groups whose completions all scored alike teach nothing: a sign of too small groups.
            "flat_groups": float((spread < 1e-6).float().mean()),
        }
