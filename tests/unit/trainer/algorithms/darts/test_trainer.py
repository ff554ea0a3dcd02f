"""The DARTS job trainer on digits: the search reports its losses and the architecture's
entropy, the cell is discretised at search_steps and retrained, the result carries the genotype
(artifact, model config, metrics) and held-out scores; a random source skips the search; a run
cancelled in either phase resumes from its checkpoint to the same end as an uninterrupted one."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch

from kiln_trainer.algorithms.darts import train
from kiln_trainer.algorithms.darts.trainer import MODEL_TYPE, load_classifier
from kiln_trainer.configs.darts import DartsConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.errors import TrainingCancelled


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


def config(path: str, **kw: Any) -> DartsConfig:
    base: dict[str, Any] = dict(
        train_path=path,
        heldout_dataset="digits",
        search_steps=4,
        retrain_steps=4,
        channels=4,
        layers=1,
        batch_size=16,
        log_every=2,
        eval_every=2,
        warmup_steps=0,
    )
    return DartsConfig(**(base | kw))


def test_search_discretise_retrain_and_the_result(digits_path, tmp_path):
    torch.set_num_threads(1)
    ctx = LocalContext(tmp_path)
    result = train(config(digits_path), ctx)
    search = [(s, m) for s, m in ctx.metrics if "search_train_loss" in m]
    retrain = [(s, m) for s, m in ctx.metrics if "loss" in m]
    assert [s for s, _ in search] == [2, 4] and [s for s, _ in retrain] == [6, 8]
    assert {"search_val_loss", "arch_entropy"} <= set(search[-1][1]) and search[-1][1]["phase"] == 0.0
    assert 0 < search[-1][1]["arch_entropy"] <= torch.log(torch.tensor(7.0)).item() + 1e-6
    assert "accuracy" in retrain[-1][1] and retrain[-1][1]["phase"] == 1.0
    assert any("val_accuracy" in m for _, m in ctx.metrics)
    cell = json.loads(ctx.artifacts["genotype.json"].read_text())
    assert cell["source"] == "searched" and len(cell["edges"]) == 5 and len(cell["alpha"]) == 6
    m = result.metrics
    assert 0 <= m["test_accuracy"] <= 1 and m["test_loss"] > 0 and m["cell_edges"] == 5 and m["searched"] == 1
    assert len([k for k in m if k.startswith("cell.n")]) == 5
    assert result.family == "image"
    net = load_classifier(result.model_dir)
    assert json.loads((result.model_dir / "config.json").read_text())["model_type"] == MODEL_TYPE
    assert sum(p.numel() for p in net.parameters()) == m["parameter_count"]
    assert net(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_random_source_skips_the_search_and_depends_on_the_seed(digits_path, tmp_path):
    torch.set_num_threads(1)
    cells = []
    for seed in (0, 1, 2):
        ctx = LocalContext(tmp_path / str(seed))
        result = train(config(digits_path, search_steps=None, genotype_source="random", seed=seed), ctx)
        assert not any("search_train_loss" in m for _, m in ctx.metrics) and result.metrics["steps"] == 4
        cell = json.loads(ctx.artifacts["genotype.json"].read_text())
        assert cell["source"] == "random" and cell["alpha"] is None and len(cell["edges"]) == 5
        cells.append(cell["edges"])
    assert len({json.dumps(c) for c in cells}) > 1


@pytest.mark.parametrize("stop_at", [2, 6])  # inside the search, inside the retraining
def test_resume_in_either_phase_ends_where_an_uninterrupted_run_does(digits_path, tmp_path, stop_at):
    torch.set_num_threads(1)
    cfg = config(digits_path, checkpoint_every=2, seed=3)
    whole = train(cfg, LocalContext(tmp_path / "whole"))
    ctx = LocalContext(tmp_path / "cut", stop_after_step=stop_at)
    with pytest.raises(TrainingCancelled):
        train(cfg, ctx)
    ctx.stop_after_step = None
    resumed = train(cfg, ctx)
    assert any("resumed from checkpoint" in line for line in ctx.logs)
    assert (
        json.loads(ctx.artifacts["genotype.json"].read_text())["edges"]
        == json.loads((whole.model_dir / "config.json").read_text())["edges"]
    )
    assert resumed.metrics["test_accuracy"] == pytest.approx(whole.metrics["test_accuracy"], abs=1e-6)
