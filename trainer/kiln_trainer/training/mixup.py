"""Mixup for pairwise (Bradley-Terry) reward training.

Plain mixup on preference pairs would only ever mix targets of 1 (every pair says "first side
wins"), which leaves the loss unchanged in kind. So each pair first gets a random orientation:
kept (first = chosen, second = rejected, target y = 1) or swapped (target y = 0). Pair i is then
mixed with a partner pair j = perm(i) of the same batch, with lambda_i ~ Beta(alpha, alpha):

    first_i  = lambda_i * first_i  + (1 - lambda_i) * first_j
    second_i = lambda_i * second_i + (1 - lambda_i) * second_j
    target_i = lambda_i * y_i      + (1 - lambda_i) * y_j

and the loss is BCE(sigmoid(r(first_i) - r(second_i)), target_i). What is mixed is whatever the
caller passes: the reward trainer passes the pooled final hidden states (the reward head's
input), since token sequences of different lengths cannot be interpolated. Soft targets keep the
reward margin from growing without bound on pairs it already ranks right.

The draws come from a NumPy generator seeded by the caller (job seed and step): the same seed
gives the same mix, and no other RNG use shifts it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class PairMix:
    lam: torch.Tensor  # (B,) float, each ~ Beta(alpha, alpha)
    partner: torch.Tensor  # (B,) long, a permutation of the batch
    keep: torch.Tensor  # (B,) bool, True: first side is the chosen one (target 1)


def sample_pair_mix(n: int, alpha: float, seed: int) -> PairMix:
    """The mixing draws for a batch of n pairs; alpha > 0."""
    if alpha <= 0:
        raise ValueError(f"mixup alpha must be > 0, got {alpha}")
    rng = np.random.default_rng(seed)
    lam = rng.beta(alpha, alpha, size=n)
    partner = rng.permutation(n)
    keep = rng.random(n) < 0.5
    return PairMix(torch.from_numpy(lam).float(), torch.from_numpy(partner).long(), torch.from_numpy(keep))


def mix_pairs(
    chosen: torch.Tensor, rejected: torch.Tensor, mix: PairMix
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, ...) chosen and rejected features -> mixed (first, second) features and (B,) targets."""
    keep = mix.keep.to(chosen.device)
    shape = (-1,) + (1,) * (chosen.dim() - 1)
    k = keep.view(shape)
    first = torch.where(k, chosen, rejected)
    second = torch.where(k, rejected, chosen)
    y = keep.to(torch.float32)
    lam = mix.lam.to(chosen.device)
    j = mix.partner.to(chosen.device)
    lf = lam.view(shape).to(chosen.dtype)
    first = lf * first + (1 - lf) * first[j]
    second = lf * second + (1 - lf) * second[j]
    target = lam * y + (1 - lam) * y[j]
    return first, second, target


def mixup_bt_loss(first_rewards: torch.Tensor, second_rewards: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Bradley-Terry with soft targets: BCE of sigmoid(r_first - r_second) against `target`."""
    return F.binary_cross_entropy_with_logits(first_rewards - second_rewards, target.to(first_rewards.dtype))
