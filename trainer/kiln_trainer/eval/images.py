"""Image-model metrics in the feature space of a small digits classifier.

No Inception weights can be downloaded, so Kiln trains its own reference network: a small CNN
on the digits training split (never the held-out split), deterministically (fixed seed, one
thread, fixed steps), and caches its weights under KILN_CACHE_DIR (default ~/.cache/kiln),
keyed by a hash of everything that determines them. Its 64-wide penultimate layer is the
`feature` extractor handed to torchmetrics' FrechetInceptionDistance (no hand-rolled matrix
square roots); its softmax gives the class histogram for coverage.

Metrics: FID (lower is better), improved precision and recall (k-NN manifolds), class
coverage (classes the classifier sees at >= 5% of the generated samples) and the KL divergence
of the generated class histogram from the data's. Images are (N, C, R, R) floats in [0, 1]; RGB
is averaged to grey and every image is resized to 8x8, the classifier's input.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

FEATURES = 64
COVERAGE_SHARE = 0.05
_VERSION = "digits-cnn-v1"
_SEED, _STEPS, _BATCH, _LR = 0, 600, 128, 3e-3
_lock = threading.Lock()


class DigitsClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, FEATURES),
            nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def to_reference_input(images: torch.Tensor) -> torch.Tensor:
    """(N, C, R, R) in [0, 1] -> (N, 1, 8, 8) in [-1, 1], the classifier's input."""
    x = images.float()
    if x.shape[1] == 3:
        x = x.mean(dim=1, keepdim=True)
    if x.shape[-1] != 8 or x.shape[-2] != 8:
        x = F.interpolate(x, size=(8, 8), mode="bilinear", align_corners=False, antialias=True)
    return x * 2 - 1


class DigitsFeatures(nn.Module):
    """torchmetrics' `feature` extractor: images in [0, 1] -> (N, 64) penultimate activations."""

    num_features = FEATURES

    def __init__(self, classifier: DigitsClassifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier.body(to_reference_input(images))


def _cache_file() -> Path:
    key = hashlib.sha256(f"{_VERSION}|{_SEED}|{_STEPS}|{_BATCH}|{_LR}|{torch.__version__}".encode()).hexdigest()[:16]
    base = Path(os.environ.get("KILN_CACHE_DIR") or Path.home() / ".cache" / "kiln")
    return base / "reference" / f"digits-classifier-{key}.pt"


def train_classifier() -> DigitsClassifier:
    """The reference classifier, trained from scratch on the digits training split."""
    from kiln_trainer.data import digits

    pixels, labels = digits.load_split("train")
    x = to_reference_input(torch.from_numpy(pixels).float()[:, None] / 255.0)
    y = torch.from_numpy(labels)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same float sums in the same order on every machine
    try:
        g = torch.Generator().manual_seed(_SEED)
        torch.manual_seed(_SEED)
        model = DigitsClassifier()
        opt = torch.optim.Adam(model.parameters(), lr=_LR)
        # enable_grad: the first use on a machine may come from inside an evaluation's no_grad.
        with torch.enable_grad():
            for _ in range(_STEPS):
                idx = torch.randint(0, len(x), (_BATCH,), generator=g)
                loss = F.cross_entropy(model(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    finally:
        torch.set_num_threads(threads)
    return model.eval()


@functools.cache
def reference_classifier() -> DigitsClassifier:
    """The cached reference classifier (trained and saved on first use on this machine)."""
    path = _cache_file()
    with _lock:
        if path.is_file():
            model = DigitsClassifier()
            model.load_state_dict(torch.load(path, weights_only=True))
            return model.eval().requires_grad_(False)
        model = train_classifier().requires_grad_(False)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        torch.save(model.state_dict(), tmp)
        tmp.replace(path)  # atomic: concurrent workers never read half a file
        return model


@torch.no_grad()
def fid(real: torch.Tensor, fake: torch.Tensor, batch: int = 512) -> float:
    """Frechet distance between the reference features of two image sets (torchmetrics)."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    metric = FrechetInceptionDistance(feature=DigitsFeatures(reference_classifier()), normalize=True)
    for images, is_real in ((real, True), (fake, False)):
        for i in range(0, len(images), batch):
            metric.update(images[i : i + batch].float(), real=is_real)
    return float(metric.compute())


@torch.no_grad()
def features(images: torch.Tensor, batch: int = 512) -> torch.Tensor:
    """(N, 64) reference features of images in [0, 1] (what FID compares)."""
    extractor = DigitsFeatures(reference_classifier())
    return torch.cat([extractor(images[i : i + batch].float()) for i in range(0, len(images), batch)])


def knn_radii(feats: torch.Tensor, k: int) -> torch.Tensor:
    """Per point, the distance to its k-th nearest neighbour among the others."""
    d = torch.cdist(feats.double(), feats.double())
    return d.kthvalue(k + 1, dim=1).values  # the (k+1)-th smallest: the point itself is at 0


def manifold_share(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Share of `points` inside at least one ball (centre, radius): the k-NN manifold estimate."""
    d = torch.cdist(points.double(), centres.double())  # (P, C)
    return float((d <= radii[None, :]).any(dim=1).double().mean())


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., 2019) of feature sets (N, D), (M, D):
    precision is the share of fakes inside the real k-NN manifold, recall the share of reals
    inside the fake one. No library ships it for arbitrary features (torchmetrics has none)."""
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} images on each side")
    precision = manifold_share(fake, real, knn_radii(real, k))
    recall = manifold_share(real, fake, knn_radii(fake, k))
    return precision, recall


@torch.no_grad()
def class_histogram(images: torch.Tensor) -> np.ndarray:
    """Share of the images the reference classifier assigns to each of the 10 classes."""
    preds = reference_classifier()(to_reference_input(images)).argmax(dim=1)
    return np.bincount(preds.numpy(), minlength=10) / max(1, len(preds))


def class_coverage(hist: np.ndarray, share: float = COVERAGE_SHARE) -> int:
    """Classes holding at least `share` of the samples (10 for a model covering every digit)."""
    return int(np.sum(hist >= share))


def class_kl(hist: np.ndarray, reference: np.ndarray, eps: float = 1e-6) -> float:
    """KL(generated || reference) of class histograms, in nats (eps keeps empty classes finite)."""
    p = (hist + eps) / (hist + eps).sum()
    q = (reference + eps) / (reference + eps).sum()
    return float(np.sum(p * np.log(p / q)))


def heldout_images(resolution: int | None = None) -> torch.Tensor:
    """The digits held-out split as (N, 1, R, R) floats in [0, 1] (R = 8 unless given)."""
    from kiln_trainer.data import digits

    pixels, _ = digits.load_split("test")
    x = torch.from_numpy(pixels).float()[:, None] / 255.0
    if resolution and resolution != 8:
        x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
    return x


def image_metrics(fake: torch.Tensor, real: torch.Tensor | None = None) -> dict[str, float]:
    """FID against the held-out digits (or `real`), class coverage and class KL of `fake`."""
    real = heldout_images() if real is None else real
    hist, ref_hist = class_histogram(fake), class_histogram(real)
    return {
        "fid": fid(real, fake),
        "class_coverage": float(class_coverage(hist)),
        "class_kl": class_kl(hist, ref_hist),
    }
