"""Choosing the next token of every row of a batch, each row with its own settings.

Pure tensor functions plus one per-row loop for the draw itself: a draw uses only its own
row's probabilities and its own generator, so a seeded sample does not depend on which other
requests happen to share the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

NEG_INF = float("-inf")


@dataclass
class RowSampling:
    """The per-row state the sampler needs."""

    temperature: float
    top_k: int
    top_p: float
    repetition_penalty: float
    generator: torch.Generator | None  # None: greedy
    seen: torch.Tensor | None  # (n,) token ids already in prompt + output, for the penalty
    top_logprobs: int = 0


def apply_repetition_penalty(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """(V,) logits: tokens in `seen` get logit / penalty if positive, logit * penalty if not (CTRL)."""
    if penalty == 1.0 or seen.numel() == 0:
        return logits
    out = logits.clone()
    picked = out[seen]
    out[seen] = torch.where(picked > 0, picked / penalty, picked * penalty)
    return out


def filter_logits(logits: torch.Tensor, top_k: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """(B, V) logits with tokens outside each row's top-k and nucleus set to -inf.

    top_k (B,) ints, 0 = off; top_p (B,) floats in (0, 1], 1 = off. One sort serves both.
    """
    if not bool((top_k > 0).any()) and not bool((top_p < 1).any()):
        return logits
    sorted_logits, order = logits.sort(dim=-1, descending=True)  # (B, V)
    V = logits.shape[-1]
    rank = torch.arange(V, device=logits.device)[None, :]  # (1, V)
    k = torch.where(top_k > 0, top_k, torch.full_like(top_k, V))[:, None]  # (B, 1)
    drop = rank >= k
    probs = sorted_logits.softmax(dim=-1)
    # Keep a token while the mass before it is below p: the smallest set reaching p survives.
    before = probs.cumsum(dim=-1) - probs
    drop |= before >= top_p[:, None]
    drop[:, 0] = False  # the most likely token always survives
    sorted_logits = sorted_logits.masked_fill(drop, NEG_INF)
    return torch.empty_like(logits).scatter_(-1, order, sorted_logits)


@dataclass
class Draw:
    token: int
    logprob: float
    top: list[tuple[int, float]]  # (token id, logprob), most likely first
    error: str | None = None  # this row could not be sampled (non-finite values); token is meaningless


def _broken_rows(penalised: torch.Tensor) -> list[bool]:
    """Rows whose logits hold NaN or +inf, or nothing finite: no distribution to draw from."""
    bad = torch.isnan(penalised).any(dim=-1) | torch.isposinf(penalised).any(dim=-1)
    bad |= ~torch.isfinite(penalised).any(dim=-1)
    return bad.tolist()


def sample_rows(logits: torch.Tensor, rows: list[RowSampling], want_logprobs: list[bool]) -> list[Draw]:
    """(B, V) next-token logits -> one Draw per row.

    Logprobs are under the distribution actually sampled from (after temperature, top-k, top-p);
    for greedy rows, under the model's own distribution at temperature 1.
    """
    logits = logits.float()
    B = logits.shape[0]
    if any(r.seen is not None and r.repetition_penalty != 1.0 for r in rows):
        penalised = torch.stack(
            [
                apply_repetition_penalty(logits[i], r.seen, r.repetition_penalty) if r.seen is not None else logits[i]
                for i, r in enumerate(rows)
            ]
        )
    else:
        penalised = logits
    # One row's non-finite logits (a numerically extreme request, a model fault on its input)
    # fail that row only: every other row of the batch is drawn as if it were not there.
    broken = _broken_rows(penalised)
    if any(broken):
        penalised = torch.where(torch.tensor(broken)[:, None], torch.zeros_like(penalised), penalised)
    if not any(want_logprobs) and all(r.temperature == 0 for r in rows):
        # All greedy, no logprobs: the argmax is all there is to compute (the decode hot path).
        tokens = penalised.argmax(dim=-1).tolist()
        return [Draw(int(t), 0.0, [], "non-finite logits" if b else None) for t, b in zip(tokens, broken, strict=True)]
    temps = torch.tensor([r.temperature if r.temperature > 0 else 1.0 for r in rows])[:, None]
    sampled = [r.temperature > 0 for r in rows]
    top_k = torch.tensor([r.top_k if s else 0 for r, s in zip(rows, sampled, strict=True)])
    top_p = torch.tensor([r.top_p if s else 1.0 for r, s in zip(rows, sampled, strict=True)])
    scaled = filter_logits(penalised / temps, top_k, top_p)
    logp = scaled.log_softmax(dim=-1)  # (B, V)
    draws = []
    for i in range(B):
        r = rows[i]
        if broken[i]:
            draws.append(Draw(0, 0.0, [], "non-finite logits"))
            continue
        if sampled[i]:
            probs = logp[i].exp()
            if not bool(torch.isfinite(probs).all()) or not float(probs.sum()) > 0:
                draws.append(Draw(0, 0.0, [], "non-finite probabilities"))
                continue
            token = int(torch.multinomial(probs, 1, generator=r.generator))
        else:
            token = int(penalised[i].argmax())
        lp, top = 0.0, []
        if want_logprobs[i]:
            lp = float(logp[i, token])
            if r.top_logprobs:
                vals, ids = logp[i].topk(r.top_logprobs)
                top = [(int(t), float(v)) for t, v in zip(ids, vals, strict=True)]
        draws.append(Draw(token, lp, top))
    return draws
