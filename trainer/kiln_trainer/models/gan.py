"""The DCGAN-style generator and discriminator of GAN jobs, and the generator's model directory.

Generator: a linear map of z to a (4w, R/4, R/4) map, two stride-2 transposed convolutions
with batch norm and ReLU, a 3x3 convolution and tanh (pixels in [-1, 1]). Discriminator: the
mirror with strided convolutions and leaky ReLU, no batch norm, optionally spectrally
normalised, ending in one raw score per image. Before its last convolution the discriminator
sees one extra channel, the batch's mean feature standard deviation (ProGAN's minibatch
stddev): without it this small DCGAN collapses to one mean digit within a few hundred steps on
digits, because a per-image discriminator cannot see that every fake in a batch is the same.

Class-conditional (num_classes > 0, a labelled dataset): the generator reads z concatenated with
a learned embedding of the class; the discriminator is a projection discriminator (Miyato and
Koyama, 2018): score = linear(h) + <embed(y), h> on its last features h, which keeps the score a
single raw number, so the BCE, hinge and WGAN-GP losses apply unchanged, and the class embedding
is spectrally normalised with the rest. An unlabelled call of a conditional generator draws the
class uniformly from the same torch generator as z, so seeded samples stay reproducible.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

MODEL_TYPE = "kiln-gan"
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class GANShape:
    resolution: int
    channels: int
    latent_dim: int
    base_channels: int
    num_classes: int = 0  # > 0: class-conditional (older model directories have no such key)


class Generator(nn.Module):
    def __init__(self, shape: GANShape):
        super().__init__()
        self.shape = shape
        w, s = shape.base_channels, shape.resolution // 4
        self.side = s
        k = shape.num_classes
        self.embed = nn.Embedding(k, shape.latent_dim) if k else None
        self.project = nn.Sequential(
            nn.Linear(shape.latent_dim * (2 if k else 1), 4 * w * s * s), nn.BatchNorm1d(4 * w * s * s), nn.ReLU()
        )
        self.net = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1),
            nn.BatchNorm2d(2 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1),
            nn.BatchNorm2d(w),
            nn.ReLU(),
            nn.Conv2d(w, shape.channels, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, Z) (and (B,) class labels when conditional) -> (B, C, R, R) in [-1, 1]."""
        if self.embed is not None:
            if y is None:
                raise ValueError("a class-conditional generator needs class labels")
            z = torch.cat([z, self.embed(y)], dim=1)
        h = self.project(z).view(z.shape[0], 4 * self.shape.base_channels, self.side, self.side)
        return self.net(h)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n images (n, C, R, R) in [0, 1]; call on a generator in eval mode. A conditional
        generator given no labels draws them uniformly from `generator`, after z."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.shape.latent_dim, generator=generator)
        y = None
        if self.embed is not None:
            y = labels if labels is not None else torch.randint(self.shape.num_classes, (n,), generator=generator)
            y = y.to(device)
        return ((self(z.to(device), y) + 1) / 2).float().cpu()


class MinibatchStd(nn.Module):
    """Appends the batch's mean per-feature standard deviation as one constant channel."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = x.float().std(dim=0, unbiased=False).mean().to(x.dtype)
        return torch.cat([x, std.expand(x.shape[0], 1, *x.shape[2:])], dim=1)


class Discriminator(nn.Module):
    def __init__(self, shape: GANShape, spectral: bool):
        super().__init__()
        w, s = shape.base_channels, shape.resolution // 4
        norm = spectral_norm if spectral else (lambda m: m)
        self.net = nn.Sequential(
            norm(nn.Conv2d(shape.channels, w, 3, padding=1)),
            nn.LeakyReLU(0.2),
            norm(nn.Conv2d(w, 2 * w, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            MinibatchStd(),
            norm(nn.Conv2d(2 * w + 1, 4 * w, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        self.head = norm(nn.Linear(4 * w * s * s, 1))
        k = shape.num_classes
        self.embed = norm(nn.Embedding(k, 4 * w * s * s)) if k else None

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, C, R, R) in [-1, 1] (and (B,) labels when conditional) -> (B,) raw scores."""
        h = self.net(x)
        score = self.head(h).squeeze(1)
        if self.embed is not None:
            if y is None:
                raise ValueError("a class-conditional discriminator needs class labels")
            score = score + (self.embed(y) * h).sum(dim=1)  # the projection term
        return score


class GAN(nn.Module):
    """Both networks in one module (the Trainer base trains one module), plus the EMA generator,
    whose parameters are not trained but follow the generator's."""

    def __init__(self, shape: GANShape, spectral: bool):
        super().__init__()
        self.generator = Generator(shape)
        self.discriminator = Discriminator(shape, spectral)
        self.ema = Generator(shape)
        self.ema.load_state_dict(self.generator.state_dict())
        self.ema.requires_grad_(False)

    @torch.no_grad()
    def update_ema(self, decay: float) -> None:
        for e, p in zip(self.ema.parameters(), self.generator.parameters(), strict=True):
            e.lerp_(p, 1.0 - decay)
        for e, b in zip(self.ema.buffers(), self.generator.buffers(), strict=True):
            e.copy_(b)  # batch-norm statistics: the latest


def save_generator(generator: Generator, model_dir: Path) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "config.json").write_text(json.dumps({"model_type": MODEL_TYPE, **asdict(generator.shape)}, indent=1))
    save_file({k: v.detach().cpu().contiguous() for k, v in generator.state_dict().items()}, str(model_dir / WEIGHTS))


def load_generator(model_dir: str | Path) -> Generator:
    from kiln_trainer.compress.image_int8 import load_state, read_config

    config = read_config(model_dir, MODEL_TYPE)  # an int8 export loads the same way
    g = Generator(GANShape(**config))
    g.load_state_dict(load_state(model_dir))
    return g.eval()
