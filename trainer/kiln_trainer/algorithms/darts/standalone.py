"""DARTS as two plain functions on the built-in digits, without a job: `search` then `retrain`
(bench/darts.py's in-process mode and the unit tests). A job runs the same search space through
the trainer machinery instead (trainer.py).

Search alternates two steps on two halves of the training split: the network's weights on one
half, the architecture weights (alpha) on the other (the validation split of the bilevel
problem, first-order approximation). The discrete cell is retrained from scratch on the whole
training split; held-out accuracy is read on digits' test split, which neither phase saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from kiln_trainer.algorithms.darts.cell import CellSpace, DartsNet, Genotype, discretise
from kiln_trainer.data.digits import load_split


@dataclass
class DartsSettings:
    channels: int = 16  # the network's width
    layers: int = 2  # cells stacked: the depth
    search_steps: int = 300
    retrain_steps: int = 400
    batch_size: int = 64
    learning_rate: float = 3e-3  # the weights' (Adam), both phases
    arch_learning_rate: float = 3e-3  # alpha's (Adam)
    arch_weight_decay: float = 1e-3
    seed: int = 0


def _data(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    pixels, labels = load_split(split)
    x = torch.from_numpy(pixels.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels)


def _batches(n: int, batch: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    while True:
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - batch + 1, batch):
            yield perm[i : i + batch]


def search(s: DartsSettings, space: CellSpace = CellSpace()) -> tuple[Genotype, list[list[float]]]:
    """First-order DARTS on the training split (halves: weights / alpha); the discrete cell and
    the final softmax(alpha)."""
    torch.manual_seed(s.seed)
    x, y = _data("train")
    gen = torch.Generator().manual_seed(s.seed)
    perm = torch.randperm(len(x), generator=gen)
    half = len(x) // 2
    tw, ta = perm[:half], perm[half:]
    net = DartsNet(s.channels, s.layers, space, None)
    assert net.alpha is not None
    w_opt = torch.optim.Adam(net.weight_parameters(), lr=s.learning_rate)
    a_opt = torch.optim.Adam([net.alpha], lr=s.arch_learning_rate, betas=(0.5, 0.999), weight_decay=s.arch_weight_decay)
    wb, ab = _batches(len(tw), s.batch_size, gen), _batches(len(ta), s.batch_size, gen)
    net.train()
    for _ in range(s.search_steps):
        idx = ta[next(ab)]
        a_opt.zero_grad()
        F.cross_entropy(net(x[idx]), y[idx]).backward()
        a_opt.step()
        idx = tw[next(wb)]
        w_opt.zero_grad()
        F.cross_entropy(net(x[idx]), y[idx]).backward()
        w_opt.step()
    return discretise(net.alpha, space), F.softmax(net.alpha.detach(), dim=-1).tolist()


def retrain(s: DartsSettings, genotype: Genotype, space: CellSpace = CellSpace()) -> dict[str, float]:
    """Trains the discrete network from scratch on the training split; held-out (test split)
    accuracy and loss, and its parameter count."""
    torch.manual_seed(s.seed)
    x, y = _data("train")
    gen = torch.Generator().manual_seed(s.seed)
    net = DartsNet(s.channels, s.layers, space, genotype)
    opt = torch.optim.Adam(net.parameters(), lr=s.learning_rate)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, s.retrain_steps)
    batches = _batches(len(x), s.batch_size, gen)
    net.train()
    for _ in range(s.retrain_steps):
        idx = next(batches)
        opt.zero_grad()
        F.cross_entropy(net(x[idx]), y[idx]).backward()
        opt.step()
        sched.step()
    net.eval()
    tx, ty = _data("test")
    with torch.no_grad():
        logits = net(tx)
    return {
        "test_accuracy": float((logits.argmax(-1) == ty).float().mean()),
        "test_loss": float(F.cross_entropy(logits, ty)),
        "parameter_count": float(sum(p.numel() for p in net.parameters())),
    }
