"""Preference records {prompt, chosen, rejected} -> token-id pairs -> padded pair batches.

A pair keeps the prompt and both completions as separate id lists, so one encoding serves the
reward model (score of the whole sequence) and DPO (log-prob of the completion tokens only).
Completions end with eos, as in SFT, so "stop here" is part of what is compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import torch


@dataclass(frozen=True)
class PreferencePair:
    prompt_ids: list[int]
    chosen_ids: list[int]  # the preferred completion (eos included)
    rejected_ids: list[int]

    def lengths(self) -> tuple[int, int]:
        return len(self.prompt_ids) + len(self.chosen_ids), len(self.prompt_ids) + len(self.rejected_ids)


@dataclass
class PairStats:
    records: int = 0
    truncated: int = 0  # prompt cut from the left (or completion from the right) to fit
    tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _fit(prompt: list[int], completion: list[int], max_seq_len: int) -> tuple[list[int], list[int], bool]:
    """Shorten to max_seq_len tokens: drop the prompt's oldest tokens first, since the end of the
    prompt and the completion are what the comparison is about; cut the completion only when it
    alone does not fit, keeping one prompt token to condition on."""
    if len(prompt) + len(completion) <= max_seq_len:
        return prompt, completion, False
    completion = completion[: max_seq_len - 1]
    keep = max_seq_len - len(completion)
    return prompt[len(prompt) - keep :], completion, True


def tokenize_preferences(
    records: Iterable[dict], tokenizer: Any, max_seq_len: int
) -> tuple[list[PreferencePair], PairStats]:
    """Validated preference records -> pairs of at most max_seq_len tokens per side."""
    records = list(records)
    eos = int(tokenizer.eos_token_id)
    texts = [t for r in records for t in (r["prompt"], r["chosen"], r["rejected"])]
    # One batched call: the Rust tokenizer encodes the whole list in parallel.
    encoded = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
    stats = PairStats(records=len(records))
    pairs = []
    for i in range(len(records)):
        prompt, chosen, rejected = encoded[3 * i : 3 * i + 3]
        p_c, chosen, cut_c = _fit(prompt, chosen + [eos], max_seq_len)
        p_r, rejected, cut_r = _fit(prompt, rejected + [eos], max_seq_len)
        # Both sides must see the same prompt: keep the shorter (more truncated) one.
        shared = p_c if len(p_c) <= len(p_r) else p_r
        pairs.append(PreferencePair(list(shared), list(chosen), list(rejected)))
        stats.truncated += int(cut_c or cut_r)
        stats.tokens += sum(pairs[-1].lengths())
    return pairs, stats


@dataclass
class PairBatch:
    """B pairs as 2B right-padded rows: rows [0, B) are the chosen sequences, [B, 2B) the rejected."""

    input_ids: torch.Tensor  # (2B, T)
    attention_mask: torch.Tensor  # (2B, T) 1 = real token
    completion_mask: torch.Tensor  # (2B, T) 1 = completion token (what DPO scores)
    n_pairs: int

    @property
    def last_index(self) -> torch.Tensor:
        """(2B,) position of each row's last real token (where a reward head reads)."""
        return self.attention_mask.sum(1) - 1

    def to(self, device: torch.device | str) -> PairBatch:
        return PairBatch(
            **{
                f.name: v.to(device) if isinstance(v, torch.Tensor) else v
                for f in fields(self)
                for v in [getattr(self, f.name)]
            }
        )


def collate_pairs(pairs: Sequence[PreferencePair], pad_id: int) -> PairBatch:
    rows = [(p.prompt_ids, p.chosen_ids) for p in pairs] + [(p.prompt_ids, p.rejected_ids) for p in pairs]
    T = max(len(a) + len(b) for a, b in rows)
    input_ids = torch.full((len(rows), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), T), dtype=torch.long)
    completion_mask = torch.zeros((len(rows), T), dtype=torch.long)
    for i, (prompt, completion) in enumerate(rows):
        n_p, n = len(prompt), len(prompt) + len(completion)
        input_ids[i, :n] = torch.tensor(prompt + completion)
        attention_mask[i, :n] = 1
        completion_mask[i, n_p:n] = 1
    return PairBatch(input_ids, attention_mask, completion_mask, len(pairs))
