"""Class-conditional GANs: the loss-dependent defaults, conditional sampling (a requested class,
or a uniformly drawn one from the seeded stream), the replica's class-label checks, and, trained
for real on digits, that a label gets its class and conditioning covers more classes."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
import torch

from kiln_trainer.algorithms.gan import train
from kiln_trainer.configs.images import GANConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.data.images import image_record
from kiln_trainer.errors import ConfigError
from kiln_trainer.eval import images as E
from kiln_trainer.inference.images import ImageReplica, load_image_model, sample_images
from kiln_trainer.models.gan import GANShape, Generator


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


@pytest.fixture(scope="module")
def unlabelled_path(tmp_path_factory):
    import json

    pixels, _ = digits.load_split("train")
    path = tmp_path_factory.mktemp("u") / "unlabelled.jsonl"
    path.write_text("".join(json.dumps(image_record(p[:, :, None])) + "\n" for p in pixels[:200]))
    return str(path)


def small(path: str, **kw) -> GANConfig:
    base: dict[str, Any] = dict(
        train_path=path, batch_size=32, base_channels=8, latent_dim=8, warmup_steps=0, val_fraction=0.0
    )
    return GANConfig(**(base | kw))


def test_defaults_depend_on_the_loss():
    bce, hinge, wgan = (GANConfig(train_path="x", loss=loss) for loss in ("bce", "hinge", "wgan_gp"))
    assert (bce.critic_updates, bce.betas) == (1, (0.5, 0.999))
    assert (hinge.critic_updates, hinge.betas) == (1, (0.0, 0.9))
    assert (wgan.critic_updates, wgan.betas) == (5, (0.0, 0.9))
    assert (bce.batch_size, bce.lr_g, bce.lr_d) == (64, 2e-4, 4e-4)  # TTUR: D twice as fast
    set_ = GANConfig(train_path="x", loss="wgan_gp", n_critic=2, adam_beta1=0.5, learning_rate=1e-3)
    assert (set_.critic_updates, set_.betas, set_.lr_d) == (2, (0.5, 0.9), 2e-3)
    # The EMA warms up: early steps follow the generator, late ones average over ~1/(1-decay).
    assert bce.ema_decay_at(0) == pytest.approx(0.1) and bce.ema_decay_at(10**6) == 0.999
    with pytest.raises(ConfigError) as err:
        GANConfig.from_dict({"train_path": "x", "class_conditional": "yes"})
    assert err.value.field == "class_conditional"


def test_a_conditional_generator_samples_the_asked_class_or_a_seeded_uniform_one():
    torch.manual_seed(0)
    g = Generator(GANShape(8, 1, 4, 4, num_classes=10)).eval()
    a = g.sample(3, torch.Generator().manual_seed(5))
    assert torch.equal(a, g.sample(3, torch.Generator().manual_seed(5)))  # the drawn classes are seeded
    asked = g.sample(3, torch.Generator().manual_seed(5), torch.tensor([7, 7, 7]))
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(asked, (g(z, torch.tensor([7, 7, 7])) + 1) / 2)
    draws = torch.randint(10, (4000,), generator=torch.Generator().manual_seed(1))
    assert np.bincount(draws.numpy(), minlength=10).min() > 300  # uniform over the classes
    with pytest.raises(ValueError):
        g(z)


def _replica_error(replica: ImageReplica, label: int) -> dict:
    return asyncio.run(replica.generate({"params": {"seed": 1, "class_label": label}, "n": 1}))["error"]


def test_the_replica_checks_class_labels(digits_path, unlabelled_path, tmp_path):
    torch.set_num_threads(1)
    cond = train(small(digits_path, max_steps=2), LocalContext(tmp_path / "c"))
    replica = ImageReplica(str(cond.model_dir), "v")
    ok = asyncio.run(replica.generate({"params": {"seed": 1, "class_label": 9}, "n": 2}))
    assert len(ok["completions"]) == 2
    err = _replica_error(replica, 10)
    assert (err["code"], err["field"]) == ("INVALID_ARGUMENT", "params.class_label") and "[0, 9]" in err["message"]

    plain = train(small(unlabelled_path, max_steps=2), LocalContext(tmp_path / "u"))
    assert load_image_model(plain.model_dir).num_classes == 0  # no labels: unconditional
    err = _replica_error(ImageReplica(str(plain.model_dir), "v"), 0)
    assert err["field"] == "params.class_label" and "not class-conditional" in err["message"]
    with pytest.raises(ConfigError) as bad:
        train(small(unlabelled_path, max_steps=2, class_conditional=True), LocalContext(tmp_path / "x"))
    assert bad.value.field == "class_conditional"


STEPS = 300  # enough for this small conditional GAN to draw recognisable classes (~15 s on one core)


def test_a_label_gets_its_class_and_conditioning_covers_more(digits_path, tmp_path):
    torch.set_num_threads(1)
    cond = load_image_model(train(small(digits_path, max_steps=STEPS), LocalContext(tmp_path / "c")).model_dir)
    per_class = 20
    hits = 0
    for label in range(10):
        pixels = sample_images(cond, per_class, seed=3, class_label=label)  # the served uint8 pixels
        hist = E.class_histogram(torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255)
        hits += round(hist[label] * per_class)
    assert hits / (10 * per_class) >= 0.6  # the reference classifier sees the asked class

    plain_result = train(small(digits_path, max_steps=STEPS, class_conditional=False), LocalContext(tmp_path / "p"))
    plain = load_image_model(plain_result.model_dir)
    assert plain.num_classes == 0

    def coverage(model) -> int:  # no label: a conditional model draws classes uniformly
        pixels = sample_images(model, 200, seed=4)
        return E.class_coverage(E.class_histogram(torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255))

    assert coverage(cond) == 10 and coverage(cond) > coverage(plain)
