"""Differentiable architecture search (DARTS, first-order) for a small convolutional cell on the
built-in digits.

The cell has NODES intermediate nodes; node j reads every earlier node (node 0 is the cell's
input) through a mixed operation, a softmax(alpha)-weighted sum of every candidate in OPS. The
network is a stem, `layers` copies of the cell (sharing one alpha, as DARTS' normal cell does)
and a linear head. Search alternates two steps on two halves of the training split: the network's
weights on one half, the architecture weights (alpha) on the other (the validation split of the
bilevel problem, first-order approximation). The cell is then discretised the DARTS way (each
node keeps its two strongest incoming edges, each edge its strongest non-zero operation) and the
discrete network is retrained from scratch on the whole training split; held-out accuracy is
read on digits' test split, which neither phase saw.

`random_genotype` samples a cell of the same shape (same nodes, same number of edges) with random
inputs and operations: the baseline the searched cell must beat (bench/darts.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from kiln_trainer.data.digits import load_split

OPS = ("zero", "skip", "avg_pool_3x3", "max_pool_3x3", "conv_3x3", "conv_5x5", "dil_conv_3x3")
NODES = 3  # intermediate nodes per cell
KEEP = 2  # incoming edges each node keeps when discretised (at most its number of inputs)

Genotype = list[tuple[int, int, str]]  # (node, input node, operation), nodes counted from 1


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


def _conv(c: int, k: int, dilation: int = 1) -> nn.Module:
    return nn.Sequential(
        nn.ReLU(), nn.Conv2d(c, c, k, padding=dilation * (k - 1) // 2, dilation=dilation, bias=False), nn.BatchNorm2d(c)
    )


class _Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 0.0


def make_op(name: str, c: int) -> nn.Module:
    match name:
        case "zero":
            return _Zero()
        case "skip":
            return nn.Identity()
        case "avg_pool_3x3":
            return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        case "max_pool_3x3":
            return nn.MaxPool2d(3, stride=1, padding=1)
        case "conv_3x3":
            return _conv(c, 3)
        case "conv_5x5":
            return _conv(c, 5)
        case "dil_conv_3x3":
            return _conv(c, 3, dilation=2)
    raise ValueError(f"unknown operation {name!r}")


def edges() -> list[tuple[int, int]]:
    """Every (node, input) edge of the search cell, in alpha's row order."""
    return [(j, i) for j in range(1, NODES + 1) for i in range(j)]


class _MixedCell(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.ops = nn.ModuleList(nn.ModuleList(make_op(o, c) for o in OPS) for _ in edges())
        self.out = nn.Conv2d(c * NODES, c, 1, bias=False)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        states = [x]
        k = 0
        for j in range(1, NODES + 1):
            total = 0.0
            for i in range(j):
                total = total + sum(w * op(states[i]) for w, op in zip(weights[k], self.ops[k], strict=True))
                k += 1
            states.append(total)  # type: ignore[arg-type]
        return self.out(torch.cat(states[1:], dim=1)) + x


class _FixedCell(nn.Module):
    def __init__(self, c: int, genotype: Genotype):
        super().__init__()
        self.genotype = list(genotype)
        self.ops = nn.ModuleList(make_op(op, c) for _, _, op in genotype)
        self.out = nn.Conv2d(c * NODES, c, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states = [x]
        for j in range(1, NODES + 1):
            parts = [op(states[i]) for (node, i, _), op in zip(self.genotype, self.ops, strict=True) if node == j]
            states.append(sum(parts) if parts else torch.zeros_like(x))  # type: ignore[arg-type]
        return self.out(torch.cat(states[1:], dim=1)) + x


class _Net(nn.Module):
    def __init__(self, s: DartsSettings, genotype: Genotype | None):
        super().__init__()
        c = s.channels
        self.stem = nn.Sequential(nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        self.search = genotype is None
        cells = [_MixedCell(c) if genotype is None else _FixedCell(c, genotype) for _ in range(s.layers)]
        self.cells = nn.ModuleList(cells)
        self.head = nn.Linear(c, 10)
        # The architecture weights: one row per edge, one column per operation.
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(edges()), len(OPS))) if genotype is None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        weights = F.softmax(self.alpha, dim=-1) if self.alpha is not None else None
        for cell in self.cells:
            h = cell(h, weights) if weights is not None else cell(h)
        return self.head(h.mean(dim=(2, 3)))

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.named_parameters() if n != "alpha"]


def _data(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    pixels, labels = load_split(split)
    x = torch.from_numpy(pixels.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels)


def _batches(n: int, batch: int, gen: torch.Generator):
    while True:
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - batch + 1, batch):
            yield perm[i : i + batch]


def discretise(alpha: torch.Tensor) -> Genotype:
    """Each node keeps its KEEP strongest inputs (by their best non-zero operation's weight),
    each with that operation."""
    w = F.softmax(alpha.detach(), dim=-1)
    nonzero = [k for k, o in enumerate(OPS) if o != "zero"]
    out: Genotype = []
    for j in range(1, NODES + 1):
        rows = [(k, i) for k, (node, i) in enumerate(edges()) if node == j]
        best = sorted(rows, key=lambda r: -max(float(w[r[0], o]) for o in nonzero))[:KEEP]
        for k, i in sorted(best, key=lambda r: r[1]):
            op = max(nonzero, key=lambda o: float(w[k, o]))
            out.append((j, i, OPS[op]))
    return out


PARAMETRIC = ("conv_3x3", "conv_5x5", "dil_conv_3x3")


def random_genotype(rng: random.Random, ops: tuple[str, ...] | None = None) -> Genotype:
    """A cell of the searched cell's shape: each node KEEP distinct random inputs, random
    operations from `ops` (default: every non-zero one; PARAMETRIC gives cells of about the
    searched cell's parameter count, which mostly picks convolutions)."""
    ops = ops or tuple(o for o in OPS if o != "zero")
    out: Genotype = []
    for j in range(1, NODES + 1):
        for i in sorted(rng.sample(range(j), min(KEEP, j))):
            out.append((j, i, rng.choice(list(ops))))
    return out


def search(s: DartsSettings) -> tuple[Genotype, list[list[float]]]:
    """First-order DARTS on the training split (halves: weights / alpha); the discrete cell and
    the final softmax(alpha)."""
    torch.manual_seed(s.seed)
    x, y = _data("train")
    gen = torch.Generator().manual_seed(s.seed)
    perm = torch.randperm(len(x), generator=gen)
    half = len(x) // 2
    tw, ta = perm[:half], perm[half:]
    net = _Net(s, None)
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
    return discretise(net.alpha), F.softmax(net.alpha.detach(), dim=-1).tolist()


def retrain(s: DartsSettings, genotype: Genotype) -> dict[str, float]:
    """Trains the discrete network from scratch on the training split; held-out (test split)
    accuracy and loss, and its parameter count."""
    torch.manual_seed(s.seed)
    x, y = _data("train")
    gen = torch.Generator().manual_seed(s.seed)
    net = _Net(s, genotype)
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
