"""The diffusion trainer on digits: the loss goes down, the EMA model is saved and samples the
same images for the same seed, v-prediction trains too."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from kiln_trainer.algorithms.diffusion import train
from kiln_trainer.configs.images import DiffusionConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.models.ddpm import load_unet


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


def config(path: str, **kw) -> DiffusionConfig:
    base: dict[str, Any] = dict(
        train_path=path,
        max_steps=30,
        batch_size=32,
        base_channels=8,
        timesteps=50,
        sampling_steps=5,
        learning_rate=3e-3,
        warmup_steps=2,
        log_every=10,
        val_fraction=0.0,
        ema_decay=0.9,
    )
    return DiffusionConfig(**(base | kw))


def test_the_loss_goes_down_and_the_model_samples_deterministically(digits_path, tmp_path):
    torch.set_num_threads(1)
    ctx = LocalContext(tmp_path)
    result = train(config(digits_path, noise_schedule="cosine"), ctx)
    losses = [m["loss"] for _, m in ctx.metrics if "loss" in m]
    assert losses[-1] < 0.7 * losses[0]
    model = load_unet(result.model_dir)
    a = model.sample(3, torch.Generator().manual_seed(1))
    assert a.shape == (3, 1, 8, 8) and torch.equal(a, model.sample(3, torch.Generator().manual_seed(1)))
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    with_noise = model.sample(2, torch.Generator().manual_seed(1), eta=1.0)
    assert torch.equal(with_noise, model.sample(2, torch.Generator().manual_seed(1), eta=1.0))


def test_v_prediction_trains(digits_path, tmp_path):
    torch.set_num_threads(1)
    ctx = LocalContext(tmp_path)
    train(config(digits_path, prediction="v", max_steps=20), ctx)
    losses = [m["loss"] for _, m in ctx.metrics if "loss" in m]
    assert losses[-1] < losses[0]
