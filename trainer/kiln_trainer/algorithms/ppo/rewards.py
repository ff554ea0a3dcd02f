"""Where a PPO job's sequence rewards come from: a reward model, a scoring function, or people.

Every source maps a list of `Sample`s to one reward per sample, or None for a sample that got no
reward (only human feedback leaves gaps: ratings that did not arrive in time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import torch

from kiln_trainer.algorithms.ppo.experience import Sample

# (samples to rate, timeout in seconds) -> {sample_id: rating} for the samples rated in time.
FeedbackCollector = Callable[[list[Sample], float], dict[str, float]]


class RewardSource(Protocol):
    def score(self, samples: list[Sample]) -> list[float | None]: ...


class FunctionReward:
    """A text-level function of (prompt, completion), e.g. one from kiln_trainer/scoring.py."""

    def __init__(self, fn: Callable[[str, str], float]):
        self.fn = fn

    def score(self, samples: list[Sample]) -> list[float | None]:
        return [float(self.fn(s.prompt, s.completion)) for s in samples]


class TokenReward:
    """A function of token ids (prompt_ids, completion_ids): exact rewards of synthetic tasks."""

    def __init__(self, fn: Callable[[Sequence[int], Sequence[int]], float]):
        self.fn = fn

    def score(self, samples: list[Sample]) -> list[float | None]:
        return [float(self.fn(s.prompt_ids, s.completion_ids)) for s in samples]


class ModelReward:
    """A trained reward model (trainer/kiln_trainer/models/reward_model.py).

    With `by_ids` (the reward model's tokenizer is the policy's: same vocabulary and eos) it
    scores the exact token ids the policy produced, laid out as its trainer laid out a pair
    side (prompt ids, completion ids, eos): decoding to text and re-tokenising would drop
    special tokens inside a completion and can merge tokens at the prompt/completion seam.
    Otherwise prompt and completion text are tokenised separately with its own tokenizer, as
    in training: it need not share the policy's vocabulary."""

    def __init__(self, model, batch_size: int = 32, by_ids: bool = False, stop_at_eos: bool = True):
        self.model = model.eval()
        self.batch_size = batch_size
        self.by_ids = by_ids
        # A completion that stopped at eos already ends with the eos its trainer appended.
        self.stop_at_eos = stop_at_eos

    @torch.no_grad()
    def score(self, samples: list[Sample]) -> list[float | None]:
        if not self.by_ids:
            prompts, completions = [s.prompt for s in samples], [s.completion for s in samples]
            return list(self.model.score_completions(prompts, completions, batch_size=self.batch_size))
        eos = self.model.lm.eos_token_id
        rows = []
        for s in samples:
            ended = self.stop_at_eos and bool(s.completion_ids) and s.completion_ids[-1] == eos
            rows.append((list(s.prompt_ids), list(s.completion_ids) + ([] if ended else [eos])))
        return list(self.model.score_rows(rows, batch_size=self.batch_size))


def same_tokenizer(a, b) -> bool:
    """Whether two tokenizers map text to the same ids (same vocabulary and eos)."""
    return bool(a.eos_token_id == b.eos_token_id and a.get_vocab() == b.get_vocab())


class HumanFeedbackReward:
    """Ratings from people, asked for through a collector the job context supplies.

    The collector publishes the samples (their ids are the sample ids people rate) and returns
    whatever ratings arrived within the timeout; samples without one come back as None.
    """

    def __init__(self, collect: FeedbackCollector, timeout_s: float):
        self.collect = collect
        self.timeout_s = timeout_s

    def score(self, samples: list[Sample]) -> list[float | None]:
        ratings = self.collect(samples, self.timeout_s)
        return [float(ratings[s.sample_id]) if s.sample_id in ratings else None for s in samples]
