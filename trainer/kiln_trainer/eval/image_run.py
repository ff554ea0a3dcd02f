"""An image model's evaluation: generate, then compare with reference images.

    reference   the held-out split of a built-in dataset ("builtin:digits"), else every image of
                the evaluation's dataset, at the model's resolution
    generation  `max_records` images (default: as many as the reference), sample i seeded by
                (seed, i) through inference.images.sample_images, the very pixels
                SamplingService.Generate returns for that seed (uint8 round trip included)
      -> fid, precision_recall, class_coverage   (eval/images.py, the digits classifier's space)
    test_elbo   a VAE's ELBO on the reference images, one posterior draw each from a fixed seed

Progress counts generated images (and reference images for test_elbo) as records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kiln_trainer.errors import ConfigError
from kiln_trainer.eval.spec import BUILTIN_PREFIX, CLASS_COVERAGE, FID, PRECISION_RECALL, TEST_ELBO, EvalSpec

# Images generated together (and between progress reports): as many as one Generate request may
# ask for, so a diffusion model's first CHUNK evaluated images are, bit for bit, what a request of
# that n with the same seed serves (it denoises a request's images as one batch).
CHUNK = 16
ELBO_SEED = 1  # the posterior draws of test_elbo


def _model_config(path: str) -> dict[str, Any]:
    config = Path(path) / "config.json"
    try:
        return json.loads(config.read_text())
    except (OSError, ValueError):
        raise ConfigError("model", f"{path} is not an image model directory (no readable config.json)") from None


def reference_arrays(spec: EvalSpec, resolution: int) -> Any:
    """The held-out split of a built-in, else the dataset's images (an ImageArrays: (N, C, R, R)
    floats in [0, 1] and the labels, if any)."""
    from kiln_trainer.algorithms.image_common import heldout_arrays
    from kiln_trainer.data.formats import RecordError
    from kiln_trainer.data.images import load_image_records

    if spec.dataset_path.startswith(BUILTIN_PREFIX):
        return heldout_arrays(spec.dataset_path.removeprefix(BUILTIN_PREFIX), resolution)
    try:
        return load_image_records(spec.dataset_path, resolution, "dataset")
    except RecordError as exc:
        raise ConfigError("dataset", str(exc)) from None


def generate(model: Any, n: int, seed: int, advance: Callable[[int], None]) -> torch.Tensor:
    """(n, C, R, R) floats in [0, 1], exactly the served pixels of a request seeded `seed`."""
    from kiln_trainer.inference.images import sample_floats

    out = []
    for start in range(0, n, CHUNK):
        chunk = range(start, min(n, start + CHUNK))
        imgs = sample_floats(model, seed, chunk)
        # The uint8 round trip of a PNG: evaluated pixels are the ones a user is served.
        out.append(torch.round(imgs.clamp(0, 1) * 255) / 255)
        advance(len(chunk))
    return torch.cat(out)


@torch.no_grad()
def vae_test_elbo(
    path: str, images: torch.Tensor, advance: Callable[[int], None], labels: torch.Tensor | None = None
) -> dict[str, float]:
    """The mean ELBO of `images`; a class-conditional VAE's bound is on log p(x | label), so it
    needs the images' labels, each one of its classes (INVALID_ARGUMENT at dataset otherwise)."""
    from kiln_trainer.image_losses import bits_per_dim
    from kiln_trainer.models.vae import load_vae, vae_terms

    vae = load_vae(path)
    k = vae.shape.num_classes
    if not k:
        labels = None
    elif labels is None:
        raise ConfigError("dataset", "a class-conditional VAE's test ELBO needs labelled images")
    elif int(labels.max()) >= k:
        raise ConfigError("dataset", f"has label {int(labels.max())}; the VAE knows classes 0 to {k - 1}")
    g = torch.Generator().manual_seed(ELBO_SEED)
    total = 0.0
    for start in range(0, len(images), 256):
        x = images[start : start + 256]
        noise = torch.randn(len(x), vae.shape.latent_dim, generator=g)
        y = None if labels is None else labels[start : start + 256]
        total += float(vae_terms(vae, x, 1.0, noise, y)["elbo"]) * len(x)
        advance(len(x))
    elbo = total / len(images)
    dims = int(np.prod(images.shape[1:]))
    return {"test_elbo_nats": elbo, "test_bits_per_dim": bits_per_dim(-elbo, dims)}


def evaluate_images(spec: EvalSpec, tracker: Any) -> dict[str, float]:
    """Every requested image metric by its result keys, reported through `tracker` (run._Tracker)."""
    from kiln_trainer.eval import images as E
    from kiln_trainer.inference.images import is_image_model_dir, load_image_model

    if not is_image_model_dir(spec.model):
        raise ConfigError("model", "image metrics need an image model (a VAE, GAN or diffusion job's output)")
    config = _model_config(spec.model)
    wanted = set(spec.metrics)
    if TEST_ELBO in wanted and config.get("model_type") != "kiln-vae":
        raise ConfigError("metrics", f"test_elbo needs a VAE; the model is a {config.get('model_type')}")
    arrays = reference_arrays(spec, int(config["resolution"]))
    real = torch.from_numpy(arrays.images)
    labels = None if arrays.labels is None else torch.from_numpy(arrays.labels).long()
    if real.shape[1] != int(config["channels"]):
        raise ConfigError(
            "dataset", f"has {real.shape[1]}-channel images, the model generates {config['channels']}-channel ones"
        )
    n = spec.max_records or len(real)
    seed = int(spec.params().seed or 0)
    tracker.records = n
    tracker.passes = (1 if wanted - {TEST_ELBO} else 0) + (1 if TEST_ELBO in wanted else 0)
    tracker.emit()

    if TEST_ELBO in wanted:
        # Scaled so that the reference pass advances as much as one pass over n records.
        advance = lambda k: tracker.advance(round(k * n / len(real)))  # noqa: E731
        tracker.finish_metric(vae_test_elbo(spec.model, real, advance, labels))
    if not wanted - {TEST_ELBO}:
        return dict(tracker.results)
    fake = generate(load_image_model(spec.model), n, seed, tracker.advance)
    if FID in wanted:
        tracker.finish_metric({"fid": E.fid(real, fake)})
    if PRECISION_RECALL in wanted:
        precision, recall = E.precision_recall(E.features(real), E.features(fake))
        tracker.finish_metric({"precision": precision, "recall": recall})
    if CLASS_COVERAGE in wanted:
        hist = E.class_histogram(fake)
        tracker.finish_metric(
            {"class_coverage": float(E.class_coverage(hist)), "class_kl": E.class_kl(hist, E.class_histogram(real))}
        )
    return dict(tracker.results)
