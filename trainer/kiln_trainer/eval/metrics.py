"""Evaluation metrics as small pure functions over plain Python values (no torch).

Each one is the reduction a metric needs once the model work is done: summed NLLs, sampled
texts, reward scores, per-sequence log-probabilities. The evaluation loop (run.py) produces
those inputs; keeping the arithmetic here lets it be tested against hand-computed values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def perplexity(total_nll: float, num_tokens: int) -> float:
    """exp(mean per-token negative log-likelihood); `total_nll` is summed over `num_tokens`."""
    if num_tokens <= 0:
        raise ValueError(f"perplexity needs at least one scored token, got {num_tokens}")
    return math.exp(total_nll / num_tokens)


def _ngrams(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams over all texts / total n-grams (whitespace tokens, n-grams never span two
    texts). 0 when there is no n-gram at all, e.g. only empty completions."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        grams = _ngrams(text.split(), n)
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else 0.0


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Share of predictions equal to their reference once surrounding whitespace is trimmed."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    if not predictions:
        raise ValueError("exact match needs at least one prediction")
    hits = sum(p.strip() == r.strip() for p, r in zip(predictions, references, strict=True))
    return hits / len(predictions)


def win_rate(scores: Sequence[float], baseline_scores: Sequence[float]) -> float:
    """Share of prompts where the model's score beats the baseline's; a tie counts one half."""
    if len(scores) != len(baseline_scores):
        raise ValueError(f"{len(scores)} scores for {len(baseline_scores)} baseline scores")
    if not scores:
        raise ValueError("win rate needs at least one prompt")
    points = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in zip(scores, baseline_scores, strict=True))
    return points / len(scores)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (the spread of these scores, not an estimate of a
    wider population's, so no Bessel correction; one value has std 0)."""
    if not values:
        raise ValueError("mean/std need at least one value")
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, math.sqrt(var)


def sequence_kl(model_logprobs: Sequence[float], reference_logprobs: Sequence[float]) -> float:
    """Single-sample estimate of KL(model || reference) for one sequence sampled from the model:
    sum over its tokens of log p_model - log p_reference, in nats (can be negative for one
    sample; its mean over samples is the KL)."""
    if len(model_logprobs) != len(reference_logprobs):
        raise ValueError(f"{len(model_logprobs)} model log-probs for {len(reference_logprobs)} reference ones")
    return sum(m - r for m, r in zip(model_logprobs, reference_logprobs, strict=True))


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("mean needs at least one value")
    return sum(values) / len(values)
