"""The trainer shared by reward-model and DPO jobs: both step over batches of preference pairs and
differ only in the model they build, the loss of a batch and what they save.

Runs in one process; the data order is a function of (seed, epoch), so a step number alone says
where in the data a resumed run is.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from kiln_trainer.algorithms.lm import read_records
from kiln_trainer.configs.pairwise import PairwiseConfig
from kiln_trainer.data.batches import split_train_val
from kiln_trainer.data.preference import PairBatch, PreferencePair, collate_pairs, tokenize_preferences
from kiln_trainer.errors import ConfigError
from kiln_trainer.training.trainer import TRAIN, VAL, Trainer


class PairPlan:
    """Which pairs form the batch of each optimizer step: a seeded shuffle per epoch."""

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.steps_per_epoch = -(-n // batch_size)
        self._epoch: int | None = None
        self._order: list[int] = []

    def indices(self, step: int) -> list[int]:
        epoch, k = divmod(step, self.steps_per_epoch)
        if self._epoch != epoch:
            self._order = list(range(self.n))
            # An RNG of its own: other RNG use cannot shift the data order of a resumed run.
            random.Random(self.seed * 1_000_003 + epoch).shuffle(self._order)
            self._epoch = epoch
        return self._order[k * self.batch_size : (k + 1) * self.batch_size]


@dataclass
class Pairs:
    """A batch of pairs and their positions in the split (where per-pair caches are looked up)."""

    indices: list[int]
    batch: PairBatch

    def to(self, device: torch.device) -> Pairs:
        return Pairs(self.indices, self.batch.to(device))


class PairwiseTrainer(Trainer[PairwiseConfig]):
    unit = "pairs"
    tokenizer: Any  # set by build_model, like pad_id
    pad_id: int

    def _read(self, path: str, field: str) -> list[PreferencePair]:
        pairs, stats = tokenize_preferences(
            read_records(path, field, "preference"), self.tokenizer, self.cfg.max_seq_len
        )
        if stats.truncated:
            self.log(f"{path}: {stats.truncated} of {stats.records} pairs truncated to {self.cfg.max_seq_len} tokens")
        return pairs

    def load_data(self) -> None:
        """Needs self.tokenizer and self.pad_id, which build_model sets."""
        cfg = self.cfg
        train = self._read(cfg.train_path, "train_path")
        if cfg.val_path is not None:
            val = self._read(cfg.val_path, "val_path")
        else:
            train, val = split_train_val(train, cfg.val_fraction, cfg.seed)
        if not train:
            raise ConfigError("train_path", f"no preference pairs in {cfg.train_path}")
        self.pairs = {TRAIN: train, VAL: val}
        self.plan = PairPlan(len(train), cfg.batch_size, cfg.seed)
        self.steps_per_epoch = self.plan.steps_per_epoch
        self.log(
            f"data: {len(train)} train / {len(val)} validation pairs; "
            f"{self.steps_per_epoch} steps per epoch, {self.total_steps} steps"
        )

    def batches(self, split: str) -> list[Pairs]:
        """The split's pairs in their stored order, in chunks of batch_size."""
        pairs, size = self.pairs[split], self.cfg.batch_size
        return [
            Pairs(list(range(i, min(i + size, len(pairs)))), collate_pairs(pairs[i : i + size], self.pad_id))
            for i in range(0, len(pairs), size)
        ]

    def step_batches(self, step: int) -> Sequence[Pairs]:
        indices = self.plan.indices(step)
        return [Pairs(indices, collate_pairs([self.pairs[TRAIN][i] for i in indices], self.pad_id))]

    def has_validation(self) -> bool:
        return bool(self.pairs[VAL])

    def eval_batches(self) -> Sequence[Pairs]:
        return self.batches(VAL)

    def batch_weight(self, batch: Pairs) -> float:
        return batch.batch.n_pairs

    def early_stopping_patience(self) -> int | None:
        return self.cfg.early_stopping_patience

    def early_stopping_min_delta(self) -> float:
        return self.cfg.early_stopping_min_delta

    def restore_best(self) -> bool:
        return self.cfg.restore_best_weights

    def curve_title(self) -> str:
        return f"{self.title} of {Path(self.cfg.base_model).name} ({self.cfg.tuning})"
