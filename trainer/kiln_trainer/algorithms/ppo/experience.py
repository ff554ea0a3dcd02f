"""The batch a PPO iteration works on, and the forward passes every role runs over it.

A rollout of B completions is laid out as one (B, S) batch: prompts left-padded to a common
length P, completions right-padded to a common length L, so S = P + L and completion token j of
every row sits in column P + j. Logits at column P - 1 + j predict completion token j, which is
why `completion_logits` reads columns P - 1 .. P + L - 2. The layout is the same whichever role
computes on it, so the (B, L) tensors the roles return line up position by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from kiln_trainer.losses import entropy_from_logits, logprobs_of
from kiln_trainer.models.loader import KILN_GPT, LoadedModel


@dataclass
class Sample:
    """One completion, as the reward sources see it."""

    sample_id: str
    prompt_ids: list[int]
    completion_ids: list[int]
    prompt: str
    completion: str


@dataclass
class RolloutBatch:
    input_ids: torch.Tensor  # (B, S) long: left-padded prompt, then right-padded completion
    attention_mask: torch.Tensor  # (B, S) long, 1 = real token
    prompt_len: int  # P: column of the first completion token
    samples: list[Sample] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.input_ids.shape[0]

    @property
    def completion(self) -> torch.Tensor:
        return self.input_ids[:, self.prompt_len :]  # (B, L)

    @property
    def completion_mask(self) -> torch.Tensor:
        return self.attention_mask[:, self.prompt_len :]  # (B, L)

    @property
    def position_ids(self) -> torch.Tensor:
        # Real tokens count from 0 in every row, whatever the left padding; right padding
        # repeats the last position (its outputs are masked out anyway).
        return (self.attention_mask.cumsum(1) - 1).clamp(min=0)  # (B, S)

    def select(self, idx: torch.Tensor | list[int]) -> RolloutBatch:
        """The rows in `idx`, same layout (no re-padding, so columns still line up)."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        return RolloutBatch(
            self.input_ids[idx],
            self.attention_mask[idx],
            self.prompt_len,
            [self.samples[i] for i in idx.tolist()] if self.samples else [],
        )

    def to(self, device: torch.device | str) -> RolloutBatch:
        return RolloutBatch(self.input_ids.to(device), self.attention_mask.to(device), self.prompt_len, self.samples)


def build_batch(
    prompts: list[list[int]], completions: list[list[int]], pad_id: int, samples: list[Sample] | None = None
) -> RolloutBatch:
    """Token-id prompts and completions -> the (B, P + L) layout above."""
    if len(prompts) != len(completions) or not prompts:
        raise ValueError(f"need as many completions as prompts (>0), got {len(prompts)} and {len(completions)}")
    if any(not p for p in prompts):
        raise ValueError("every prompt needs at least one token")
    P = max(len(p) for p in prompts)
    L = max(1, max(len(c) for c in completions))
    B = len(prompts)
    ids = torch.full((B, P + L), pad_id, dtype=torch.long)
    mask = torch.zeros((B, P + L), dtype=torch.long)
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        ids[i, P - len(p) : P] = torch.tensor(p, dtype=torch.long)
        mask[i, P - len(p) : P] = 1
        if c:
            ids[i, P : P + len(c)] = torch.tensor(c, dtype=torch.long)
            mask[i, P : P + len(c)] = 1
    return RolloutBatch(ids, mask, P, samples or [])


def completion_logits(lm: LoadedModel, batch: RolloutBatch, temperature: float = 1.0) -> torch.Tensor:
    """(B, L, V) logits of the distribution each completion token was drawn from."""
    # The attention mask matters only with left padding; without any, plain causal attention
    # gives the same logits at every real position and keeps SDPA on its fused path.
    padded = bool((batch.attention_mask[:, : batch.prompt_len] == 0).any())
    mask = batch.attention_mask if padded else None
    P, L = batch.prompt_len, batch.completion.shape[1]
    if lm.kind == KILN_GPT:
        # Project only the L positions that predict completion tokens onto the vocabulary: for a
        # small model the (C x V) head is the largest matmul, and prompts can be long.
        h, _ = lm.model.hidden_states(batch.input_ids, position_ids=batch.position_ids, attention_mask=mask)
        logits = lm.model.lm_head(h[:, P - 1 : P - 1 + L])  # (B, L, V)
    else:
        logits = lm.logits(batch.input_ids, position_ids=batch.position_ids, attention_mask=mask)
        logits = logits[:, P - 1 : P - 1 + L]  # (B, L, V)
    return logits / temperature if temperature != 1.0 else logits


def completion_logprobs(
    lm: LoadedModel, batch: RolloutBatch, temperature: float = 1.0, with_entropy: bool = False
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(B, L) log-probs of the completion tokens (0 at padding), and optionally their entropy."""
    logits = completion_logits(lm, batch, temperature)
    mask = batch.completion_mask.to(logits.dtype)
    logps = logprobs_of(logits.float(), batch.completion) * mask
    entropy = entropy_from_logits(logits) * mask if with_entropy else None
    return logps, entropy
