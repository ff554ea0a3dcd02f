"""DARTS (kiln_trainer/algorithms/darts.py): discretisation keeps each node's strongest edges and
operations; random cells have the searched cell's shape; a few-step search and retrain run."""

from __future__ import annotations

import random

import torch

from kiln_trainer.algorithms import darts


def _shape(genotype: darts.Genotype) -> list[tuple[int, int]]:
    return sorted((node, sum(1 for n, _, _ in genotype if n == node)) for node in {n for n, _, _ in genotype})


def test_discretise_keeps_the_strongest_non_zero_edges_of_each_node():
    alpha = torch.zeros(len(darts.edges()), len(darts.OPS))
    zero, conv5, pool = (darts.OPS.index(o) for o in ("zero", "conv_5x5", "max_pool_3x3"))
    rows = {e: k for k, e in enumerate(darts.edges())}
    alpha[:, zero] = 9.0  # the zero op never wins, however strong
    alpha[rows[(3, 1)], conv5] = 4.0
    alpha[rows[(3, 2)], pool] = 3.0
    alpha[rows[(3, 0)], pool] = 1.0  # node 3's weakest input: dropped
    genotype = darts.discretise(alpha)
    assert [g for g in genotype if g[0] == 3] == [(3, 1, "conv_5x5"), (3, 2, "max_pool_3x3")]
    assert all(op != "zero" for _, _, op in genotype)


def test_random_cells_have_the_searched_cells_shape_and_a_short_search_runs():
    s = darts.DartsSettings(channels=4, layers=1, search_steps=2, retrain_steps=2, batch_size=16)
    genotype, alpha = darts.search(s)
    assert len(alpha) == len(darts.edges()) and all(abs(sum(row) - 1) < 1e-5 for row in alpha)
    assert _shape(darts.random_genotype(random.Random(0))) == _shape(genotype) == [(1, 1), (2, 2), (3, 2)]
    scores = darts.retrain(s, genotype)
    assert 0.0 <= scores["test_accuracy"] <= 1.0 and scores["test_loss"] > 0 and scores["parameter_count"] > 0
