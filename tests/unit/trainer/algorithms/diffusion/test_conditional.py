"""Class-conditional diffusion with classifier-free guidance, trained for real on digits: a
requested class is drawn far more often than chance, the replica checks class labels and
guidance scales (INVALID_ARGUMENT naming the field), and a guided seeded request gives the same
pixels twice."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
import torch

from kiln_trainer.algorithms.diffusion import train
from kiln_trainer.configs.images import DiffusionConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.errors import ConfigError
from kiln_trainer.eval import images as E
from kiln_trainer.inference.images import ImageReplica, load_image_model, sample_images


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


def small(path: str, **kw) -> DiffusionConfig:
    base: dict[str, Any] = dict(
        train_path=path,
        batch_size=64,
        base_channels=16,
        timesteps=100,
        sampling_steps=10,
        learning_rate=3e-3,
        warmup_steps=10,
        log_every=50,
        val_fraction=0.0,
        ema_decay=0.95,
        noise_schedule="cosine",
    )
    return DiffusionConfig(**(base | kw))


def test_config_checks():
    for bad in (1.0, -0.1, "x"):
        with pytest.raises(ConfigError) as err:
            DiffusionConfig.from_dict({"train_path": "x", "label_dropout": bad})
        assert err.value.field == "label_dropout"
    assert DiffusionConfig(train_path="x").label_dropout == 0.1


def _classes(pixels: np.ndarray) -> np.ndarray:
    """The reference classifier's class histogram of served (N, R, R, C) uint8 pixels."""
    return E.class_histogram(torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255)


@pytest.fixture(scope="module")
def trained(digits_path, tmp_path_factory):
    torch.set_num_threads(1)
    result = train(small(digits_path, max_steps=STEPS), LocalContext(tmp_path_factory.mktemp("cond")))
    return result.model_dir


STEPS = 120  # ~10 s on one core; hits the asked class ~0.9 of the time at w = 3


def test_a_label_gets_its_class_and_guidance_sharpens_it(trained):
    model = load_image_model(trained)
    assert model.num_classes == 10 and model.guidable
    per_class = 10

    def hits(scale: float) -> float:
        return sum(
            _classes(sample_images(model, per_class, seed=3, class_label=c, guidance_scale=scale))[c] * per_class
            for c in range(10)
        ) / (10 * per_class)

    guided, plain = hits(3.0), hits(1.0)
    assert guided >= 0.5, guided  # chance is 0.1
    assert guided > plain  # guidance pushes the samples toward the class
    assert hits(0.0) < plain  # the unconditional model ignores the label


def _error(replica: ImageReplica, **params) -> dict:
    return asyncio.run(replica.generate({"params": {"seed": 1, **params}, "n": 1}))["error"]


def test_the_replica_checks_labels_and_guidance_and_is_deterministic(trained):
    replica = ImageReplica(str(trained), "v")
    request = {"params": {"seed": 5, "class_label": 2, "guidance_scale": 2.0}, "n": 2}
    a, b = (asyncio.run(replica.generate(request)) for _ in range(2))
    assert [c["png"] for c in a["completions"]] == [c["png"] for c in b["completions"]]
    err = _error(replica, class_label=10)
    assert (err["code"], err["field"]) == ("INVALID_ARGUMENT", "params.class_label") and "[0, 9]" in err["message"]
    err = _error(replica, guidance_scale=21.0)
    assert (err["code"], err["field"]) == ("INVALID_ARGUMENT", "params.guidance_scale")
