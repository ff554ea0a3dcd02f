"""The built-in digits dataset: scikit-learn's 1,797 labelled 8x8 handwritten digits.

It ships inside the scikit-learn package, so nothing is downloaded. A fixed, class-stratified
held-out split (`HELD_OUT_SHARE` of every class, chosen by a seeded permutation) is kept apart:
training jobs only ever see `split="train"`; evaluation (test ELBO, FID references) reads
`split="test"`. The split depends on nothing but SPLIT_SEED, so it is the same on every machine.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import numpy as np

from kiln_trainer.data.images import image_record

NAME = "digits"
SPLIT_SEED = 20_240_601
HELD_OUT_SHARE = 1 / 6  # ~300 of the 1,797 images
SPLITS = ("train", "test")


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """(N, 8, 8) uint8 pixels in [0, 255] and (N,) int64 labels, in scikit-learn's order.

    Read from the CSV inside the installed scikit-learn package (what load_digits reads), found
    without importing scikit-learn: importing it costs seconds, the file a few milliseconds.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-learn is not installed; the built-in digits ship inside it")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",", dtype=np.float64)
    # Pixel counts are in [0, 16]; spread them over 8-bit grey levels.
    pixels = np.rint(table[:, :64].reshape(-1, 8, 8) * (255.0 / 16.0)).astype(np.uint8)
    return pixels, table[:, 64].astype(np.int64)


def split_indices(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Sorted indices of each split: per class, a seeded permutation's first share is held out."""
    rng = np.random.default_rng(SPLIT_SEED)
    test: list[int] = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        k = int(round(len(members) * HELD_OUT_SHARE))
        test.extend(rng.permutation(members)[:k].tolist())
    test_idx = np.sort(np.asarray(test, dtype=np.int64))
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    return {"train": train_idx, "test": test_idx}


def load_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, 8, 8) uint8 pixels and (N,) labels of one split."""
    if split not in SPLITS:
        raise ValueError(f"unknown digits split {split!r}; expected one of {', '.join(SPLITS)}")
    pixels, labels = _digits()
    idx = split_indices(labels)[split]
    return pixels[idx], labels[idx]


def write_jsonl(dest: str | Path, split: str = "train") -> Path:
    """The split as an image-format JSONL file (what a worker trains on)."""
    pixels, labels = load_split(split)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "w", encoding="utf-8") as f:
        for img, label in zip(pixels, labels, strict=True):
            f.write(json.dumps(image_record(img, int(label)), separators=(",", ":")) + "\n")
    return dest
