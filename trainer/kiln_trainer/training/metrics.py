"""Weighted metric sums between two reports, reduced over ranks in one collective."""

from __future__ import annotations

import time

import torch
import torch.distributed as dist

from kiln_trainer.training.distributed import DistInfo, all_reduce_sum


class MetricWindow:
    """Sums of metric values (each with its own weight) and item counts since the last reset.

    Values may be device tensors: they are added on the device, so the training loop never waits
    for it, and read once per report.
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.reset()

    def reset(self) -> None:
        self.sums: dict[str, torch.Tensor | float] = {}
        self.weights: dict[str, float] = {}
        self.counts: dict[str, float] = {}
        self.started = time.perf_counter()

    def add(self, metrics: dict[str, torch.Tensor | float], weight: float = 1.0) -> None:
        """Metrics that are means over `weight` items (tokens, pairs, steps, ...)."""
        for name, value in metrics.items():
            if isinstance(value, torch.Tensor):
                value = value.detach().to(self.device, torch.float64)
            total = self.sums.get(name)
            self.sums[name] = value * weight if total is None else total + value * weight
            self.weights[name] = self.weights.get(name, 0.0) + weight

    def count(self, name: str, n: float) -> None:
        self.counts[name] = self.counts.get(name, 0.0) + n

    def reduce(self, info: DistInfo) -> tuple[dict[str, float], dict[str, float]]:
        """(weighted means, summed counts) over all ranks, read from the device once."""
        names, counted = sorted(self.sums), sorted(self.counts)
        if info.enabled:
            # A rank can see no batch (a short validation shard): agree on the names first, or
            # the ranks would all-reduce tensors of different lengths.
            everyone: list[tuple[list[str], list[str]] | None] = [None] * info.world_size
            dist.all_gather_object(everyone, (names, counted))
            names = sorted({n for pair in everyone if pair for n in pair[0]})
            counted = sorted({n for pair in everyone if pair for n in pair[1]})
        f64, device = torch.float64, self.device
        sums = [torch.as_tensor(self.sums.get(n, 0.0), dtype=f64, device=device).reshape(1) for n in names]
        host = [self.weights.get(n, 0.0) for n in names] + [self.counts.get(n, 0.0) for n in counted]
        totals = all_reduce_sum(torch.cat([*sums, torch.tensor(host, dtype=f64, device=device)]), info).tolist()
        k = len(names)
        means = {n: totals[i] / (totals[k + i] or 1.0) for i, n in enumerate(names)}
        counts = {n: totals[2 * k + i] for i, n in enumerate(counted)}
        return means, counts
