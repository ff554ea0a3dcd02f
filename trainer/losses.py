"""Loss functions: small, pure, and each tested against a naive reference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = -100


def sft_loss(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token cross-entropy and the number of tokens it covers.

    logits (B, T, V) predict the token after each position, so logits[:, t] is scored against
    labels[:, t + 1]; labels equal to -100 are skipped. Returning the sum and the count (not a
    mean) lets the caller normalise over a whole optimizer step: all micro-batches and ranks.
    """
    targets = labels[:, 1:]  # (B, T-1)
    keep = targets != IGNORE
    # Score only the kept positions: in SFT most tokens are prompt, and a log-softmax over the
    # vocabulary at every position would be mostly wasted work.
    picked = logits[:, :-1][keep]  # (N, V)
    loss_sum = F.cross_entropy(picked.float(), targets[keep], reduction="sum")
    return loss_sum, keep.sum()
