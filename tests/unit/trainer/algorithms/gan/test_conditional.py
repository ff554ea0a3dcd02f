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
    assert (bce.critic_updates, bce.betas) == (1, (0.0, 0.9))
    assert (hinge.critic_updates, hinge.betas) == (1, (0.0, 0.9))
    assert (wgan.critic_updates, wgan.betas) == (5, (0.0, 0.9))
    assert (bce.batch_size, bce.lr_g, bce.lr_d) == (64, 2e-4, 4e-4)  # TTUR: D twice as fast
    set_ = GANConfig(train_path="x", loss="wgan_gp", n_critic=2, adam_beta1=0.5, learning_rate=1e-3)
    assert set_.adam_beta2 == 0.9  # the unset one keeps its default
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


# Small enough for seconds on one core (~13 s of CPU per model), trained fast enough (hinge at a
# high learning rate) for the reference classifier to recognise the requested classes.
TRAINED = dict(max_steps=200, loss="hinge", learning_rate=1e-3, base_channels=16, batch_size=64)


def _classes(pixels: np.ndarray) -> np.ndarray:
    """The reference classifier's class histogram of served (N, R, R, C) uint8 pixels."""
    return E.class_histogram(torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255)


@pytest.fixture(scope="module")
def conditional(digits_path, tmp_path_factory):
    torch.set_num_threads(1)
    result = train(small(digits_path, **TRAINED), LocalContext(tmp_path_factory.mktemp("cond")))
    return load_image_model(result.model_dir)


def test_a_label_gets_its_class(conditional):
    per_class = 20
    hits = sum(
        round(_classes(sample_images(conditional, per_class, seed=3, class_label=c))[c] * per_class) for c in range(10)
    )
    assert hits / (10 * per_class) >= 0.7  # the reference classifier sees the asked class


def test_conditioning_covers_more_classes_than_none(conditional, digits_path, tmp_path):
    torch.set_num_threads(1)
    plain_run = train(small(digits_path, **TRAINED, class_conditional=False), LocalContext(tmp_path))
    plain = load_image_model(plain_run.model_dir)
    assert plain.num_classes == 0
    uniform = np.full(10, 0.1)
    # No label: the conditional model draws classes uniformly, the plain one draws what it learnt.
    cond_hist, plain_hist = (_classes(sample_images(m, 300, seed=4)) for m in (conditional, plain))
    assert E.class_coverage(cond_hist) == 10 and E.class_coverage(cond_hist) >= E.class_coverage(plain_hist)
    assert E.class_kl(cond_hist, uniform) < E.class_kl(plain_hist, uniform)
