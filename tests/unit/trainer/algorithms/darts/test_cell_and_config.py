"""DARTS (kiln_trainer/algorithms/darts): discretisation keeps each node's strongest edges and
operations; random cells have the searched cell's shape; a few-step search and retrain run; the
job config refuses bad values at the field at fault; the job trainer searches, discretises,
retrains and resumes from a checkpoint in either phase."""

from __future__ import annotations

import random

import pytest
import torch

from kiln_trainer.algorithms.darts import cell as darts
from kiln_trainer.algorithms.darts import standalone
from kiln_trainer.configs.darts import DartsConfig
from kiln_trainer.errors import ConfigError


def _shape(genotype: darts.Genotype) -> list[tuple[int, int]]:
    return sorted((node, sum(1 for n, _, _ in genotype if n == node)) for node in {n for n, _, _ in genotype})


def test_discretise_keeps_the_strongest_non_zero_edges_of_each_node():
    space = darts.CellSpace()
    alpha = torch.zeros(len(space.edges()), len(space.ops))
    zero, conv5, pool = (space.ops.index(o) for o in ("zero", "conv_5x5", "max_pool_3x3"))
    rows = {e: k for k, e in enumerate(space.edges())}
    alpha[:, zero] = 9.0  # the zero op never wins, however strong
    alpha[rows[(3, 1)], conv5] = 4.0
    alpha[rows[(3, 2)], pool] = 3.0
    alpha[rows[(3, 0)], pool] = 1.0  # node 3's weakest input: dropped
    genotype = darts.discretise(alpha, space)
    assert [g for g in genotype if g[0] == 3] == [(3, 1, "conv_5x5"), (3, 2, "max_pool_3x3")]
    assert all(op != "zero" for _, _, op in genotype)


def test_discretise_follows_the_space_nodes_keep_and_operations():
    space = darts.CellSpace(nodes=4, keep=1, ops=("zero", "skip", "conv_3x3"))
    alpha = torch.zeros(len(space.edges()), 3)
    rows = {e: k for k, e in enumerate(space.edges())}
    alpha[rows[(4, 2)], 2] = 5.0
    genotype = darts.discretise(alpha, space)
    assert _shape(genotype) == [(1, 1), (2, 1), (3, 1), (4, 1)] and space.kept_edges() == 4
    assert (4, 2, "conv_3x3") in genotype and all(op in ("skip", "conv_3x3") for _, _, op in genotype)


def test_random_cells_have_the_searched_cells_shape_and_a_short_search_runs():
    s = standalone.DartsSettings(channels=4, layers=1, search_steps=2, retrain_steps=2, batch_size=16)
    genotype, alpha = standalone.search(s)
    assert len(alpha) == len(darts.CellSpace().edges()) and all(abs(sum(row) - 1) < 1e-5 for row in alpha)
    assert _shape(darts.random_genotype(random.Random(0))) == _shape(genotype) == [(1, 1), (2, 2), (3, 2)]
    scores = standalone.retrain(s, genotype)
    assert 0.0 <= scores["test_accuracy"] <= 1.0 and scores["test_loss"] > 0 and scores["parameter_count"] > 0


def test_arch_entropy_is_log_ops_at_uniform_and_falls_when_committed():
    uniform = torch.zeros(5, 7)
    assert darts.arch_entropy(uniform) == pytest.approx(torch.log(torch.tensor(7.0)).item(), rel=1e-5)
    committed = uniform.clone()
    committed[:, 3] = 20.0
    assert darts.arch_entropy(committed) < 1e-3


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"cell_nodes": 0}, "cell_nodes"),
        ({"cell_nodes": 7}, "cell_nodes"),
        ({"channels": 2}, "channels"),
        ({"layers": 9}, "layers"),
        ({"edges_per_node": 0}, "edges_per_node"),
        ({"retrain_steps": 0}, "retrain_steps"),
        ({"search_steps": 0}, "search_steps"),
        ({"operations": ["zero"]}, "operations"),
        ({"operations": ["skip", "skip"]}, "operations"),
        ({"operations": ["conv_7x7"]}, "operations"),
        ({"arch_learning_rate": 0.0}, "arch_learning_rate"),
        ({"arch_weight_decay": -1.0}, "arch_weight_decay"),
        ({"genotype_source": "random", "search_steps": 10}, "search_steps"),
        ({"max_steps": 10}, "max_steps"),
        ({"epochs": 2}, "epochs"),
    ],
)
def test_config_refuses_bad_values_at_their_field(bad, field):
    with pytest.raises(ConfigError) as err:
        DartsConfig.from_dict({"train_path": "x.jsonl", **bad})
    assert err.value.field == field


def test_config_defaults_and_candidate_order():
    cfg = DartsConfig.from_dict({"train_path": "x.jsonl", "operations": ["conv_3x3", "zero", "skip"]})
    assert cfg.steps_of_search == 200 and cfg.candidate_operations == ("zero", "skip", "conv_3x3")
    random_cfg = DartsConfig.from_dict({"train_path": "x.jsonl", "genotype_source": "random"})
    assert random_cfg.steps_of_search == 0 and len(random_cfg.candidate_operations) == 7
