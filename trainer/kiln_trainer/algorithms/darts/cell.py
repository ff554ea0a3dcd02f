"""The DARTS search space: candidate operations, the cell (mixed or discrete), the network, and
the genotype's discretisation and random sampling.

A cell has `nodes` intermediate nodes; node j reads every earlier node (node 0 is the cell's
input) through a mixed operation, a softmax(alpha)-weighted sum of every candidate operation.
The network is a stem, `layers` copies of the cell (sharing one alpha, as DARTS' normal cell
does) and a linear head. A genotype is the discrete cell: (node, input node, operation) edges.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

OPS = ("zero", "skip", "avg_pool_3x3", "max_pool_3x3", "conv_3x3", "conv_5x5", "dil_conv_3x3")
PARAMETRIC = ("conv_3x3", "conv_5x5", "dil_conv_3x3")
NODES = 3  # intermediate nodes per cell (the default)
KEEP = 2  # incoming edges each node keeps when discretised (at most its number of inputs)

Genotype = list[tuple[int, int, str]]  # (node, input node, operation), nodes counted from 1


@dataclass(frozen=True)
class CellSpace:
    """The shape of the search: nodes, edges kept per node and the candidate operations."""

    nodes: int = NODES
    keep: int = KEEP
    ops: tuple[str, ...] = OPS

    def edges(self) -> list[tuple[int, int]]:
        """Every (node, input) edge of the search cell, in alpha's row order."""
        return [(j, i) for j in range(1, self.nodes + 1) for i in range(j)]

    def kept_edges(self) -> int:
        """Edges of a discrete cell: node j keeps min(j, keep)."""
        return sum(min(j, self.keep) for j in range(1, self.nodes + 1))


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


class MixedCell(nn.Module):
    def __init__(self, c: int, space: CellSpace):
        super().__init__()
        self.space = space
        self.ops = nn.ModuleList(nn.ModuleList(make_op(o, c) for o in space.ops) for _ in space.edges())
        self.out = nn.Conv2d(c * space.nodes, c, 1, bias=False)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        states = [x]
        k = 0
        for j in range(1, self.space.nodes + 1):
            total = 0.0
            for i in range(j):
                total = total + sum(w * op(states[i]) for w, op in zip(weights[k], self.ops[k], strict=True))
                k += 1
            states.append(total)  # type: ignore[arg-type]
        return self.out(torch.cat(states[1:], dim=1)) + x


class FixedCell(nn.Module):
    def __init__(self, c: int, nodes: int, genotype: Genotype):
        super().__init__()
        self.nodes = nodes
        self.genotype = list(genotype)
        self.ops = nn.ModuleList(make_op(op, c) for _, _, op in genotype)
        self.out = nn.Conv2d(c * nodes, c, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states = [x]
        for j in range(1, self.nodes + 1):
            parts = [op(states[i]) for (node, i, _), op in zip(self.genotype, self.ops, strict=True) if node == j]
            states.append(sum(parts) if parts else torch.zeros_like(x))  # type: ignore[arg-type]
        return self.out(torch.cat(states[1:], dim=1)) + x


class DartsNet(nn.Module):
    """Stem, `layers` cells, global average pooling and a linear head; with `genotype` None
    the cells are mixed and `alpha` (edges x operations) holds the architecture weights."""

    def __init__(
        self,
        channels: int,
        layers: int,
        space: CellSpace,
        genotype: Genotype | None,
        in_channels: int = 1,
        num_classes: int = 10,
    ):
        super().__init__()
        c = channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        cells = [
            MixedCell(c, space) if genotype is None else FixedCell(c, space.nodes, genotype) for _ in range(layers)
        ]
        self.cells = nn.ModuleList(cells)
        self.head = nn.Linear(c, num_classes)
        # The architecture weights: one row per edge, one column per operation.
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(space.edges()), len(space.ops))) if genotype is None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)  # (B, C, R, R)
        weights = F.softmax(self.alpha, dim=-1) if self.alpha is not None else None
        for cell in self.cells:
            h = cell(h, weights) if weights is not None else cell(h)
        return self.head(h.mean(dim=(2, 3)))  # (B, classes)

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.named_parameters() if n != "alpha"]


def discretise(alpha: torch.Tensor, space: CellSpace = CellSpace()) -> Genotype:
    """Each node keeps its `keep` strongest inputs (by their best non-zero operation's weight),
    each with that operation."""
    w = F.softmax(alpha.detach(), dim=-1)
    nonzero = [k for k, o in enumerate(space.ops) if o != "zero"]
    out: Genotype = []
    edges = space.edges()
    for j in range(1, space.nodes + 1):
        rows = [(k, i) for k, (node, i) in enumerate(edges) if node == j]
        best = sorted(rows, key=lambda r: -max(float(w[r[0], o]) for o in nonzero))[: space.keep]
        for k, i in sorted(best, key=lambda r: r[1]):
            op = max(nonzero, key=lambda o: float(w[k, o]))
            out.append((j, i, space.ops[op]))
    return out


def random_genotype(rng: random.Random, ops: tuple[str, ...] | None = None, space: CellSpace = CellSpace()) -> Genotype:
    """A cell of the searched cell's shape: each node min(j, keep) distinct random inputs,
    random operations from `ops` (default: every non-zero candidate; PARAMETRIC gives cells of
    about the searched cell's parameter count, which mostly picks convolutions)."""
    ops = ops or tuple(o for o in space.ops if o != "zero")
    out: Genotype = []
    for j in range(1, space.nodes + 1):
        for i in sorted(rng.sample(range(j), min(space.keep, j))):
            out.append((j, i, rng.choice(list(ops))))
    return out


def arch_entropy(alpha: torch.Tensor) -> float:
    """Mean entropy (nats) of the edges' operation weights: log(len(ops)) at the start, falling
    as the search commits to operations."""
    p = F.softmax(alpha.detach().float(), dim=-1)
    return float(-(p * torch.log(p.clamp_min(1e-12))).sum(-1).mean())
