"""Class-conditional VAEs, trained for real on digits: decoding prior draws with a class gives
that class far more often than chance, an unlabelled dataset (or class_conditional false) trains
the plain VAE, and the replica checks class labels and refuses a guidance scale, each naming its
field."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pytest
import torch

from kiln_trainer.algorithms.vae import train
from kiln_trainer.configs.images import VAEConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.data.images import image_record
from kiln_trainer.errors import ConfigError
from kiln_trainer.eval import images as E
from kiln_trainer.inference.images import ImageReplica, load_image_model, sample_images


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


@pytest.fixture(scope="module")
def unlabelled_path(tmp_path_factory):
    pixels, _ = digits.load_split("train")
    path = tmp_path_factory.mktemp("u") / "unlabelled.jsonl"
    path.write_text("".join(json.dumps(image_record(p[:, :, None])) + "\n" for p in pixels[:200]))
    return str(path)


def small(path: str, **kw) -> VAEConfig:
    base: dict[str, Any] = dict(
        train_path=path,
        batch_size=64,
        learning_rate=3e-3,
        warmup_steps=5,
        base_channels=16,
        latent_dim=8,
        log_every=50,
        val_fraction=0.0,
    )
    return VAEConfig(**(base | kw))


def _classes(pixels: np.ndarray) -> np.ndarray:
    """The reference classifier's class histogram of served (N, R, R, C) uint8 pixels."""
    return E.class_histogram(torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255)


@pytest.fixture(scope="module")
def trained(digits_path, tmp_path_factory):
    torch.set_num_threads(1)
    return train(small(digits_path, max_steps=300), LocalContext(tmp_path_factory.mktemp("cond"))).model_dir


def test_a_label_gets_its_class(trained):
    model = load_image_model(trained)
    assert model.num_classes == 10 and not model.guidable
    per_class = 20
    seen = [_classes(sample_images(model, per_class, seed=3, class_label=c))[c] for c in range(10)]
    hits = float(np.mean(seen))
    assert hits >= 0.7, hits  # chance is 0.1


def test_the_test_elbo_of_a_conditional_vae_needs_the_labels(trained):
    from kiln_trainer.algorithms.image_common import heldout_arrays
    from kiln_trainer.eval.image_run import vae_test_elbo

    held = heldout_arrays("digits", 8)
    assert held.labels is not None
    x, y = torch.from_numpy(held.images[:64]), torch.from_numpy(held.labels[:64]).long()
    right = vae_test_elbo(str(trained), x, lambda _k: None, y)["test_elbo_nats"]
    wrong = vae_test_elbo(str(trained), x, lambda _k: None, (y + 5) % 10)["test_elbo_nats"]
    assert wrong < right < 0  # the bound is on log p(x | y): the wrong class explains x worse
    for labels, says in ((None, "labelled"), (y + 10, "classes 0 to 9")):
        with pytest.raises(ConfigError) as err:
            vae_test_elbo(str(trained), x, lambda _k: None, labels)
        assert err.value.field == "dataset" and says in err.value.message


def test_the_replica_checks_labels_and_refuses_guidance(trained):
    replica = ImageReplica(str(trained), "v")

    def error(**params) -> dict:
        return asyncio.run(replica.generate({"params": {"seed": 1, **params}, "n": 1}))["error"]

    err = error(class_label=10)
    assert (err["code"], err["field"]) == ("INVALID_ARGUMENT", "params.class_label") and "[0, 9]" in err["message"]
    err = error(class_label=3, guidance_scale=2.0)
    assert (err["code"], err["field"]) == ("INVALID_ARGUMENT", "params.guidance_scale")
    assert "diffusion" in err["message"]


def test_unlabelled_or_switched_off_trains_the_plain_vae(unlabelled_path, digits_path, tmp_path):
    torch.set_num_threads(1)
    plain = train(small(unlabelled_path, max_steps=2), LocalContext(tmp_path / "u"))
    assert load_image_model(plain.model_dir).num_classes == 0
    off = train(small(digits_path, max_steps=2, class_conditional=False), LocalContext(tmp_path / "o"))
    assert load_image_model(off.model_dir).num_classes == 0
    with pytest.raises(ConfigError) as bad:
        train(small(unlabelled_path, max_steps=2, class_conditional=True), LocalContext(tmp_path / "x"))
    assert bad.value.field == "class_conditional"
