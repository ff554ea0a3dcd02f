"""The convolutional VAE of VAE jobs, and its model directory (config.json + model.safetensors).

Two stride-2 levels each way, so the resolution is a multiple of 4; a diagonal Gaussian
posterior and a standard normal prior over `latent_dim` dimensions. The decoder returns
logits (Bernoulli likelihood) or pre-sigmoid means (Gaussian likelihood): either way
`sigmoid(decode(z))` is the image it stands for.

Class-conditional (num_classes > 0, a labelled dataset; a CVAE): the encoder sees a learned
embedding of the class as one extra input channel (an R x R map), and the decoder reads z
concatenated with another learned class embedding, so the ELBO bounds log p(x | y) and decoding
a prior draw with class y draws an image of y. The unconditional layers keep their names and
shapes, so older model directories load unchanged. As with the GAN, an unlabelled call of a
conditional sampler draws the class uniformly from the same torch generator as z, after z.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

MODEL_TYPE = "kiln-vae"
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class VAEShape:
    resolution: int
    channels: int
    latent_dim: int
    base_channels: int
    reconstruction_loss: str  # "bce" or "mse": what decode's output means
    observation_std: float = 0.1
    num_classes: int = 0  # > 0: class-conditional (older model directories have no such key)


class ConvVAE(nn.Module):
    def __init__(self, shape: VAEShape):
        super().__init__()
        self.shape = shape
        w, c, z = shape.base_channels, shape.channels, shape.latent_dim
        self.side = shape.resolution // 4
        flat = 4 * w * self.side * self.side
        k = shape.num_classes
        self.embed_encoder = nn.Embedding(k, shape.resolution**2) if k else None
        self.embed_decoder = nn.Embedding(k, z) if k else None
        self.encoder = nn.Sequential(
            nn.Conv2d(c + (1 if k else 0), w, 3, padding=1),
            nn.SiLU(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.Conv2d(2 * w, 4 * w, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.Flatten(),
            nn.Linear(flat, 2 * z),
        )
        self.project = nn.Sequential(nn.Linear(z * (2 if k else 1), flat), nn.SiLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.Conv2d(w, c, 3, padding=1),
        )

    def _labels(self, y: torch.Tensor | None) -> torch.Tensor:
        if y is None:
            raise ValueError("a class-conditional VAE needs class labels")
        return y

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C, R, R) in [0, 1] (and (B,) labels when conditional) -> posterior mean and
        log-variance, (B, Z) each."""
        if self.embed_encoder is not None:
            r = self.shape.resolution
            plane = self.embed_encoder(self._labels(y)).view(x.shape[0], 1, r, r).to(x.dtype)
            x = torch.cat([x, plane], dim=1)
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)  # keeps exp(logvar) finite early in training

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, Z) (and (B,) labels when conditional) -> (B, C, R, R) logits / pre-sigmoid means."""
        if self.embed_decoder is not None:
            z = torch.cat([z, self.embed_decoder(self._labels(y)).to(z.dtype)], dim=1)
        h = self.project(z).view(z.shape[0], 4 * self.shape.base_channels, self.side, self.side)
        return self.decoder(h)

    def forward(
        self, x: torch.Tensor, noise: torch.Tensor, y: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reparameterised pass: (decoder output, mu, logvar); `noise` is the (B, Z) N(0, I) draw,
        `y` the (B,) labels of a conditional model."""
        mu, logvar = self.encode(x, y)
        z = mu + noise * (0.5 * logvar).exp()
        return self.decode(z, y), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None) -> torch.Tensor:
        """n images (n, C, R, R) in [0, 1] from the prior; the same generator state, the same
        images. A conditional model given no labels draws them uniformly from `generator`, after z."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.shape.latent_dim, generator=generator)
        y = None
        if self.embed_decoder is not None:
            y = labels if labels is not None else torch.randint(self.shape.num_classes, (n,), generator=generator)
            y = y.to(device)
        return torch.sigmoid(self.decode(z.to(device), y)).float().cpu()


def vae_terms(
    model: nn.Module, x: torch.Tensor, kl_weight: float, noise: torch.Tensor, y: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """The batch means of loss / elbo / recon / kl (image_losses.vae_objective) of images x in
    [0, 1], one posterior draw per image from the (B, Z) standard normal `noise`; `y` are the
    labels of a conditional model (the bound is then on log p(x | y))."""
    from kiln_trainer.image_losses import bernoulli_nll, gaussian_kl, gaussian_nll, vae_objective

    shape = getattr(model, "module", model).shape  # the trainer may hand in a DDP wrapper
    out, mu, logvar = model(x, noise, y)
    if shape.reconstruction_loss == "bce":
        nll = bernoulli_nll(out, x)
    else:
        nll = gaussian_nll(torch.sigmoid(out), x, shape.observation_std)
    return vae_objective(nll, gaussian_kl(mu.float(), logvar.float()), kl_weight)


def save_vae(model: ConvVAE, model_dir: Path) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "config.json").write_text(json.dumps({"model_type": MODEL_TYPE, **asdict(model.shape)}, indent=1))
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(model_dir / WEIGHTS))


def load_vae(model_dir: str | Path) -> ConvVAE:
    from kiln_trainer.compress.image_int8 import load_state, read_config

    config = read_config(model_dir, MODEL_TYPE)  # an int8 export loads the same way
    model = ConvVAE(VAEShape(**config))
    model.load_state_dict(load_state(model_dir))
    return model.eval()
