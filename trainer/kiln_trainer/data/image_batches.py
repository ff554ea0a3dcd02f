"""Image batches for the image trainers: a seeded order per epoch, on-the-fly augmentation.

Everything random is derived from (seed, epoch) or (seed, step), never from a running RNG, so
a job resumed from a checkpoint sees exactly the batches and augmentations it would have seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from kiln_trainer.data.images import ImageArrays


@dataclass(frozen=True)
class Augmentation:
    horizontal_flip: bool = False
    max_shift: int = 0  # pixels
    max_rotation_degrees: float = 0.0
    noise_std: float = 0.0

    @property
    def active(self) -> bool:
        return self.horizontal_flip or self.max_shift > 0 or self.max_rotation_degrees > 0 or self.noise_std > 0


def augment(x: torch.Tensor, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """(B, C, R, R) in [0, 1] -> the same, flipped / shifted / rotated / noised per image."""
    if not aug.active:
        return x
    b, _, r, _ = x.shape
    if aug.horizontal_flip:
        flip = torch.rand(b, generator=generator) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if aug.max_shift > 0 or aug.max_rotation_degrees > 0:
        angle = (torch.rand(b, generator=generator) * 2 - 1) * math.radians(aug.max_rotation_degrees)
        shift = torch.randint(-aug.max_shift, aug.max_shift + 1, (b, 2), generator=generator).float()
        cos, sin = angle.cos(), angle.sin()
        # affine_grid maps output to input coordinates in [-1, 1]: a shift of s pixels is 2s/R,
        # and an integer shift lands exactly on pixel centres (no blur without rotation).
        theta = torch.stack(
            [
                torch.stack([cos, -sin, -shift[:, 0] * 2 / r], dim=1),
                torch.stack([sin, cos, -shift[:, 1] * 2 / r], dim=1),
            ],
            dim=1,
        )
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if aug.noise_std > 0:
        x = (x + aug.noise_std * torch.randn(x.shape, generator=generator)).clamp(0.0, 1.0)
    return x


def split_arrays(data: ImageArrays, fraction: float, seed: int) -> tuple[ImageArrays, ImageArrays | None]:
    """(train, validation) with a seeded `fraction` of the images held out; None when 0."""
    n_val = int(round(len(data.images) * fraction))
    if n_val == 0 or n_val >= len(data.images):
        return data, None
    order = np.random.default_rng(seed).permutation(len(data.images))
    val, train = order[:n_val], order[n_val:]

    def take(idx: np.ndarray) -> ImageArrays:
        return ImageArrays(data.images[idx], None if data.labels is None else data.labels[idx], data.num_classes)

    return take(train), take(val)


class ImageBatches:
    """Micro-batches of one optimizer step: a seeded permutation per epoch, sliced in order."""

    def __init__(self, data: ImageArrays, batch_size: int, seed: int, aug: Augmentation):
        self.images = torch.from_numpy(np.ascontiguousarray(data.images))
        self.labels = None if data.labels is None else torch.from_numpy(data.labels)
        self.batch_size = min(batch_size, len(self.images))
        self.seed = seed
        self.aug = aug
        self.steps_per_epoch = max(1, len(self.images) // self.batch_size)  # full batches only
        self._order: tuple[int, torch.Tensor] | None = None

    def _epoch_order(self, epoch: int) -> torch.Tensor:
        if self._order is None or self._order[0] != epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._order = (epoch, torch.randperm(len(self.images), generator=g))
        return self._order[1]

    def batch(self, step: int) -> dict[str, torch.Tensor]:
        epoch, k = divmod(step, self.steps_per_epoch)
        idx = self._epoch_order(epoch)[k * self.batch_size : (k + 1) * self.batch_size]
        g = torch.Generator().manual_seed(self.seed * 7_919 + step)
        out = {"x": augment(self.images[idx], self.aug, g)}
        if self.labels is not None:
            out["y"] = self.labels[idx]
        return out


def eval_batches(data: ImageArrays, batch_size: int) -> list[dict[str, torch.Tensor]]:
    images = torch.from_numpy(np.ascontiguousarray(data.images))
    labels = None if data.labels is None else torch.from_numpy(data.labels)
    out = []
    for i in range(0, len(images), batch_size):
        b = {"x": images[i : i + batch_size]}
        if labels is not None:
            b["y"] = labels[i : i + batch_size]
        out.append(b)
    return out
