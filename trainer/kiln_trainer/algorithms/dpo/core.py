"""The DPO algorithm on token-id tensors, independent of files, tokenizers and contexts.

A policy is any `logits_fn(input_ids (N, T)) -> logits (N, T, V)` over right-padded rows (causal
attention keeps real tokens off the padding, so no mask is needed). The trainer (trainer.py) and
the known-optimum task (tests/tasks/optimum.py) both drive these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from kiln_trainer.data.preference import PairBatch
from kiln_trainer.losses import logprobs_of, preference_loss

LogitsFn = Callable[[torch.Tensor], torch.Tensor]


def sequence_logps(logits: torch.Tensor, input_ids: torch.Tensor, completion_mask: torch.Tensor) -> torch.Tensor:
    """Summed log-prob of each row's completion tokens: logits (N, T, V), ids/mask (N, T) -> (N,).

    logits[:, t] predicts input_ids[:, t + 1], so the scored targets are ids[:, 1:] where
    mask[:, 1:] is set.
    """
    token_logps = logprobs_of(logits[:, :-1], input_ids[:, 1:])  # (N, T-1)
    return (token_logps * completion_mask[:, 1:]).sum(-1)


def completion_lengths(batch: PairBatch) -> torch.Tensor:
    """(2B,) number of completion tokens per row (the divisor for length-normalised log-probs)."""
    return batch.completion_mask[:, 1:].sum(-1).clamp_min(1)


@torch.no_grad()
def reference_logps(logits_fn: LogitsFn, batches: Iterable[PairBatch]) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed completion log-probs of every pair under the reference: (chosen (N,), rejected (N,)),
    in batch order, as fp32 on the CPU."""
    chosen, rejected = [], []
    for batch in batches:
        logps = sequence_logps(logits_fn(batch.input_ids), batch.input_ids, batch.completion_mask).float().cpu()
        chosen.append(logps[: batch.n_pairs])
        rejected.append(logps[batch.n_pairs :])
    if not chosen:
        return torch.zeros(0), torch.zeros(0)
    return torch.cat(chosen), torch.cat(rejected)


@dataclass
class DPOStepOutput:
    loss: torch.Tensor  # scalar, with gradient
    chosen_rewards: torch.Tensor  # (B,) detached beta * (log pi - log ref)
    rejected_rewards: torch.Tensor  # (B,)

    def metrics(self) -> dict[str, float]:
        margin = self.chosen_rewards - self.rejected_rewards
        return {
            "loss": float(self.loss.detach()),
            "reward_accuracy": float((margin > 0).float().mean()),
            "chosen_reward": float(self.chosen_rewards.mean()),
            "rejected_reward": float(self.rejected_rewards.mean()),
            "reward_margin": float(margin.mean()),
        }


def dpo_step(
    logits_fn: LogitsFn,
    batch: PairBatch,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    *,
    beta: float,
    loss: str = "sigmoid",
    label_smoothing: float | torch.Tensor = 0.0,
) -> DPOStepOutput:
    """Forward both sides of B pairs in one pass and return the preference loss (no backward).

    ref_chosen, ref_rejected (B,) are summed reference log-probs on the batch's device. For
    loss="ipo" both policy and reference log-probs are divided by the completion length, the
    normalisation IPO's fixed target 1/(2 beta) assumes. label_smoothing may be a (B,) tensor of
    per-pair probabilities that the label is wrong (soft Bradley-Terry labels).
    """
    logps = sequence_logps(logits_fn(batch.input_ids), batch.input_ids, batch.completion_mask)  # (2B,)
    ref = torch.cat([ref_chosen, ref_rejected]).to(logps.dtype)
    if loss == "ipo":
        lengths = completion_lengths(batch).to(logps.dtype)
        logps, ref = logps / lengths, ref / lengths
    B = batch.n_pairs
    value, chosen_rewards, rejected_rewards = preference_loss(
        logps[:B], logps[B:], ref[:B], ref[B:], beta, kind=loss, label_smoothing=label_smoothing
    )
    return DPOStepOutput(value, chosen_rewards, rejected_rewards)


def implicit_kl(out: DPOStepOutput, beta: float) -> float:
    """Mean of log pi_ref - log pi over both completions of the pairs: where the pairs were
    sampled from the reference (the usual offline setting), an estimate of KL(pi_ref || pi),
    how far the policy has moved; it grows without bound as DPO overfits hard labels."""
    logratios = torch.cat([out.chosen_rewards, out.rejected_rewards]) / beta
    return float(-logratios.mean())
