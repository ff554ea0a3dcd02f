"""The VAE trainer on digits: the bound improves, the result is scored on the held-out split,
resumes from a checkpoint, and the saved model samples the same images for the same seed."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from kiln_trainer.algorithms.vae import train
from kiln_trainer.configs.images import VAEConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.errors import TrainingCancelled
from kiln_trainer.models.vae import load_vae


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


def config(path: str, **kw) -> VAEConfig:
    base: dict[str, Any] = dict(
        train_path=path,
        heldout_dataset="digits",
        max_steps=30,
        batch_size=64,
        learning_rate=3e-3,
        warmup_steps=2,
        base_channels=8,
        latent_dim=8,
        log_every=10,
        eval_every=30,
        val_fraction=0.05,
    )
    return VAEConfig(**(base | kw))


def test_training_improves_the_bound_and_scores_the_held_out_split(digits_path, tmp_path):
    torch.set_num_threads(1)
    ctx = LocalContext(tmp_path)
    result = train(config(digits_path, kl_warmup_steps=10, max_shift=1), ctx)
    train_reports = [m for _, m in ctx.metrics if "elbo" in m]
    assert {"elbo", "recon", "kl", "kl_weight", "loss"} <= set(train_reports[0])
    assert train_reports[-1]["elbo"] > train_reports[0]["elbo"] + 3  # nats per image
    assert train_reports[0]["kl_weight"] < 1.0 == train_reports[-1]["kl_weight"]
    m = result.metrics
    assert m["test_elbo_nats"] < 0 and m["test_bits_per_dim"] == pytest.approx(
        -m["test_elbo_nats"] / (64 * 0.6931), 1e-3
    )
    assert result.family == "image" and {"samples.png", "loss_curve.png"} <= set(result.artifacts)
    model = load_vae(result.model_dir)
    a = model.sample(4, torch.Generator().manual_seed(7))
    b = model.sample(4, torch.Generator().manual_seed(7))
    assert a.shape == (4, 1, 8, 8) and torch.equal(a, b)
    assert not torch.equal(a, model.sample(4, torch.Generator().manual_seed(8)))


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(digits_path, tmp_path):
    torch.set_num_threads(1)
    cfg = config(digits_path, max_steps=12, checkpoint_every=6, log_every=4, eval_every=100, val_fraction=0.0)
    full = train(cfg, LocalContext(tmp_path / "full"))
    ctx = LocalContext(tmp_path / "cut", stop_after_step=8)  # cancelled after step 8; checkpoint at 6
    with pytest.raises(TrainingCancelled):
        train(cfg, ctx)
    ctx.stop_after_step = None
    resumed = train(cfg, ctx)
    assert resumed.metrics["train_elbo"] == pytest.approx(full.metrics["train_elbo"], abs=1e-4)
