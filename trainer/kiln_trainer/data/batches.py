"""Epoch plans: which examples form each micro-batch, deterministic from (seed, epoch).

A resumed run rebuilds the same plan from the same seed, so a step number alone says where in
the data it is. Packed rows are formed once (from a seeded shuffle) and only their order changes
between epochs, which keeps the number of steps per epoch fixed for the LR schedule.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from kiln_trainer.data.collate import Batch, pack_bins, packed_batch, pad_batch
from kiln_trainer.data.tokenize import Example

E = TypeVar("E")  # an example of any kind: tokenized SFT records, preference pairs, ...


def split_train_val(examples: Sequence[E], fraction: float, seed: int) -> tuple[list[E], list[E]]:
    """Hold out a seeded random `fraction` (at least one example when fraction > 0)."""
    if fraction <= 0 or len(examples) < 2:
        return list(examples), []
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_val = max(1, int(len(examples) * fraction))
    val = sorted(order[:n_val])
    val_set = set(val)
    return [e for i, e in enumerate(examples) if i not in val_set], [examples[i] for i in val]


@dataclass
class EpochPlan:
    """Batches of one rank, grouped into optimizer steps of `grad_accum` micro-batches."""

    examples: Sequence[Example]
    packing: bool
    batch_size: int  # rows per micro-batch
    max_seq_len: int
    pad_id: int
    seed: int
    rank: int = 0
    world_size: int = 1
    grad_accum: int = 1

    def __post_init__(self) -> None:
        if self.packing:
            order = list(range(len(self.examples)))
            random.Random(self.seed).shuffle(order)
            bins = pack_bins([len(self.examples[i]) for i in order], self.max_seq_len)
            self._units = [[order[i] for i in b] for b in bins]  # a unit = one row
        else:
            self._units = [[i] for i in range(len(self.examples))]
        n_batches = -(-len(self._units) // self.batch_size)
        # Every rank runs the same number of micro-batches (DDP all-reduces each backward);
        # ranks whose share is short wrap around to the start of the epoch.
        self.batches_per_rank = -(-n_batches // self.world_size)
        self.steps_per_epoch = -(-self.batches_per_rank // self.grad_accum)

    def step_batches(self, epoch: int, step_in_epoch: int) -> list[Batch]:
        """The micro-batches of one optimizer step (the last step of an epoch may have fewer)."""
        units = self._epoch_order(epoch)
        n_batches = -(-len(units) // self.batch_size)
        first = step_in_epoch * self.grad_accum
        last = min(first + self.grad_accum, self.batches_per_rank)
        out = []
        for j in range(first, last):
            g = (j * self.world_size + self.rank) % n_batches
            rows = units[g * self.batch_size : (g + 1) * self.batch_size]
            out.append(self._collate(rows))
        return out

    def _epoch_order(self, epoch: int) -> list[list[int]]:
        if getattr(self, "_cached_epoch", None) != epoch:
            units = list(self._units)
            # Epoch-specific order from its own RNG, so RNG use elsewhere cannot shift it.
            random.Random(self.seed * 1_000_003 + epoch).shuffle(units)
            self._cached_epoch, self._cached_units = epoch, units
        return self._cached_units

    def eval_batches(self) -> list[Batch]:
        """This rank's share of all batches in a fixed order, without wrap-around."""
        n_batches = -(-len(self._units) // self.batch_size)
        return [
            self._collate(self._units[g * self.batch_size : (g + 1) * self.batch_size])
            for g in range(self.rank, n_batches, self.world_size)
        ]

    def _collate(self, rows: list[list[int]]) -> Batch:
        if self.packing:
            return packed_batch([[self.examples[i] for i in row] for row in rows], self.pad_id)
        return pad_batch([self.examples[i] for row in rows for i in row], self.pad_id)
