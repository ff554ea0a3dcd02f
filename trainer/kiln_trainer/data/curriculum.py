"""Curriculum learning and text augmentation for token batches, both deterministic per step.

Curriculum: examples are ordered by a difficulty score (token length, a `difficulty` field of
the records, or the current model's loss on each, re-scored every N steps: self-paced),
hardest first for an anti-curriculum; a pacing function of training
progress says what share of that order is admitted, from `start` at step 0 to all of it at
`ramp` of the run; each step's batches are drawn (seeded by the step) from the admitted share.
A resumed run draws the same batches, since a step number alone fixes them.

Augmentation: the prompt tokens (those without a label) of each example are perturbed on the
fly, seeded by (seed, step, position in the batch): token masking, one random span deletion,
adjacent swaps. The completion, i.e. every trained target, is left exactly as it was.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from kiln_trainer.data.collate import IGNORE, Batch, packed_batch, pad_batch
from kiln_trainer.data.tokenize import Example

PACING_STAGES = 4  # the "step" pacing admits the data in this many equal stages


def admitted_share(progress: float, *, start: float, ramp: float, pacing: str) -> float:
    """Share of the ordered data admitted at `progress` (step / total steps) of the run."""
    p = min(1.0, max(0.0, progress) / ramp)
    match pacing:
        case "linear":
            grown = p
        case "root":
            grown = math.sqrt(p)
        case "step":
            grown = math.floor(p * PACING_STAGES) / PACING_STAGES
        case _:
            raise ValueError(f"unknown pacing {pacing!r}")
    return start + (1.0 - start) * grown


@dataclass(frozen=True)
class Augment:
    mask_prob: float = 0.0  # each prompt token becomes mask_id with this probability
    span_deletion_prob: float = 0.0  # with this probability, delete one span of 1-3 prompt tokens
    swap_prob: float = 0.0  # each adjacent pair of prompt tokens swaps with this probability
    mask_id: int = 0

    @property
    def active(self) -> bool:
        return bool(self.mask_prob or self.span_deletion_prob or self.swap_prob)

    def __call__(self, example: Example, rng: random.Random) -> Example:
        """The example with its leading prompt tokens (labels IGNORE) perturbed; the rest as is."""
        n_prompt = 0
        while n_prompt < len(example.labels) and example.labels[n_prompt] == IGNORE:
            n_prompt += 1
        prompt = list(example.input_ids[:n_prompt])
        if self.mask_prob:
            prompt = [self.mask_id if rng.random() < self.mask_prob else t for t in prompt]
        if self.swap_prob:
            i = 0
            while i < len(prompt) - 1:
                if rng.random() < self.swap_prob:
                    prompt[i], prompt[i + 1] = prompt[i + 1], prompt[i]
                    i += 1  # a token moves at most once
                i += 1
        if self.span_deletion_prob and len(prompt) > 3 and rng.random() < self.span_deletion_prob:
            width = rng.randint(1, 3)
            at = rng.randrange(0, len(prompt) - width)
            del prompt[at : at + width]
        rest_ids, rest_labels = example.input_ids[n_prompt:], example.labels[n_prompt:]
        return Example(prompt + list(rest_ids), [IGNORE] * len(prompt) + list(rest_labels))


class StepSampler:
    """Micro-batches of one rank for any optimizer step, under a curriculum and augmentation.

    Units (rows) are formed once: examples in difficulty order, packed greedily in that order
    so a row holds examples of similar difficulty (one example per row without packing). A
    row's score is its hardest example's.
    """

    def __init__(
        self,
        examples: Sequence[Example],
        scores: Sequence[float] | None,
        *,
        packing: bool,
        batch_size: int,
        max_seq_len: int,
        pad_id: int,
        seed: int,
        total_steps: int,
        rank: int = 0,
        world_size: int = 1,
        grad_accum: int = 1,
        start: float = 1.0,
        ramp: float = 1.0,
        pacing: str = "linear",
        reverse: bool = False,
        augment: Augment | None = None,
    ):
        self.examples, self.packing, self.batch_size = examples, packing, batch_size
        self.pad_id, self.seed, self.total_steps = pad_id, seed, total_steps
        self.rank, self.world_size, self.grad_accum = rank, world_size, grad_accum
        self.start, self.ramp, self.pacing = start, ramp, pacing
        self.augment = augment if augment is not None and augment.active else None
        self.max_seq_len, self.reverse = max_seq_len, reverse
        self.curriculum = scores is not None
        self.units: list[list[int]] = []
        self.rescore(scores)

    def rescore(self, scores: Sequence[float] | None) -> None:
        """Order (and pack) the examples by `scores` (None: file order, no curriculum); a
        self-paced curriculum calls this again with the current model's losses."""
        order = list(range(len(self.examples)))
        if scores is not None:
            # Ties keep a seeded random order, so equal lengths do not follow file order.
            random.Random(self.seed).shuffle(order)
            order.sort(key=lambda i: scores[i], reverse=self.reverse)
        self.units = []
        used = 0  # tokens in the last unit
        for i in order:
            n = len(self.examples[i])
            if self.packing and self.units and used + n <= self.max_seq_len:
                self.units[-1].append(i)
                used += n
            else:
                self.units.append([i])
                used = n

    def share(self, step: int) -> float:
        if not self.curriculum:
            return 1.0
        progress = step / max(1, self.total_steps)
        return admitted_share(progress, start=self.start, ramp=self.ramp, pacing=self.pacing)

    def admitted(self, step: int) -> list[list[int]]:
        return self.units[: max(1, math.ceil(self.share(step) * len(self.units)))]

    def step_batches(self, step: int) -> list[Batch]:
        pool = self.admitted(step)
        rng = random.Random(self.seed * 1_000_003 + step)
        n_micro = self.grad_accum * self.world_size
        need = n_micro * self.batch_size
        picked: list[list[int]] = []
        while len(picked) < need:  # without replacement while the pool lasts
            picked += rng.sample(pool, min(len(pool), need - len(picked)))
        out = []
        for j in range(self.grad_accum):
            g = j * self.world_size + self.rank
            rows = picked[g * self.batch_size : (g + 1) * self.batch_size]
            out.append(self._collate(rows, rng_seed=(self.seed, step, g)))
        return out

    def _collate(self, rows: list[list[int]], rng_seed: tuple[int, int, int]) -> Batch:
        rows_ex = [[self.examples[i] for i in row] for row in rows]
        if self.augment is not None:
            rng = random.Random("-".join(map(str, rng_seed)))  # str seeds hash stably
            rows_ex = [[self.augment(e, rng) for e in row] for row in rows_ex]
        if self.packing:
            return packed_batch(rows_ex, self.pad_id)
        return pad_batch([e for row in rows_ex for e in row], self.pad_id)
