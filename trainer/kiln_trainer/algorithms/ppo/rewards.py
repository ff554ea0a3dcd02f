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
    """A trained reward model (trainer/kiln_trainer/models/reward_model.py) scoring prompt + completion text,
    re-tokenised with its own tokenizer: it need not share the policy's vocabulary."""

    def __init__(self, model, batch_size: int = 32):
        self.model = model.eval()
        self.batch_size = batch_size

    @torch.no_grad()
    def score(self, samples: list[Sample]) -> list[float | None]:
        return list(self.model.score_texts([s.prompt + s.completion for s in samples], batch_size=self.batch_size))


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
