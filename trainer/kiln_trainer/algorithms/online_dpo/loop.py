"""One online DPO round: the group loop's rollout and scoring (groups of G completions of one
prompt, laid out contiguously), then preference pairs instead of advantages.

Each prompt's highest- and lowest-scored completions become a (chosen, rejected) pair; a group
whose scores are all equal has no preference and is skipped. The policy then takes DPO steps
on the pairs against the frozen reference, whose log-probs are computed once per round (it
does not change). Only the policy trains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from kiln_trainer.algorithms.group.loop import GroupLoop
from kiln_trainer.algorithms.ppo.experience import RolloutBatch
from kiln_trainer.algorithms.ppo.loop import Experience, LoopOptions
from kiln_trainer.losses import kl_penalty

TIE_TOLERANCE = 1e-9  # scores closer than this are a tie: no preference to learn


def best_worst_pairs(scores: torch.Tensor, group_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(B,) scores in contiguous groups -> (chosen, rejected) row indices, one pair per group
    with a spread; the first best and first worst row where several tie."""
    groups = scores.view(-1, group_size)
    best = groups.argmax(1)
    worst = groups.argmin(1)
    spread = groups.max(1).values - groups.min(1).values
    keep = torch.nonzero(spread > TIE_TOLERANCE).flatten()
    base = keep * group_size
    return base + best[keep], base + worst[keep]


@dataclass
class PairExperience(Experience):
    chosen: torch.Tensor  # (P,) row of each pair's preferred completion
    rejected: torch.Tensor  # (P,) row of its dispreferred one
    ref_logprobs: torch.Tensor  # (B, L) the reference's log-probs of every row's tokens


class OnlineDPOLoop(GroupLoop):
    def __init__(
        self,
        roles: Any,
        opts: LoopOptions,
        group_size: int,
        beta: float,
        loss: str = "sigmoid",
        label_smoothing: float = 0.0,
        seed: int = 0,
    ):
        # The group baseline is not used: pairs replace advantages.
        super().__init__(roles, opts, group_size, "group_mean", seed)
        self.beta = beta
        self.loss = loss
        self.label_smoothing = label_smoothing

    def _experience(self, batch: RolloutBatch, scores: torch.Tensor) -> Experience:
        R = self.roles
        pending = (R.call("policy", "logprobs", batch), R.call("reference", "logprobs", batch))
        (logps, entropy), ref_logps = (R.get(p) for p in pending)
        mask = batch.completion_mask.to(torch.float32)
        kl = kl_penalty(logps, ref_logps, "k1") * mask  # reported only: the sampled completions' KL
        chosen, rejected = best_worst_pairs(scores, self.group_size)
        zeros = torch.zeros_like(logps)
        return PairExperience(
            logps, entropy, zeros, kl, zeros, scores[:, None] * mask, mask, chosen, rejected, ref_logps
        )

    def _update(self, batch: RolloutBatch, exp: Experience) -> tuple[dict[str, float], int, bool]:
        """ppo_epochs passes of DPO steps over the round's pairs, minibatch_size pairs a step."""
        assert isinstance(exp, PairExperience)
        R, o = self.roles, self.opts
        sums: dict[str, float] = {}
        n_steps = 0
        n_pairs = len(exp.chosen)
        for _ in range(o.ppo_epochs):
            order = torch.randperm(n_pairs, generator=self.generator)
            for start in range(0, n_pairs, o.minibatch_size):
                idx = order[start : start + o.minibatch_size]
                rows = torch.cat([exp.chosen[idx], exp.rejected[idx]])
                step = R.get(
                    R.call(
                        "policy",
                        "dpo_step",
                        batch.select(rows),
                        exp.ref_logprobs[rows],
                        self.beta,
                        self.loss,
                        self.label_smoothing,
                    )
                )
                for k, x in step.items():
                    sums[k] = sums.get(k, 0.0) + x
                n_steps += 1
        return sums, n_steps, False

    def _summary(self, exp: Experience) -> dict[str, float]:
        assert isinstance(exp, PairExperience)
        n_groups = exp.mask.shape[0] // self.group_size
        returns = exp.returns.sum(1) / exp.mask.sum(1).clamp(min=1)  # each row's score
        gap = returns[exp.chosen] - returns[exp.rejected]
        return {
            "pairs": float(len(exp.chosen)),
            # All-equal groups teach nothing: a sign of too small groups or a saturated reward.
            "tied_groups": float(1.0 - len(exp.chosen) / max(n_groups, 1)),
            "pair_score_gap": float(gap.mean()) if len(gap) else 0.0,
        }
