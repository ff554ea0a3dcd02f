"""Losses of the image-generation methods: small, pure, per-image, each tested against a naive
reference (tests/unit/trainer/test_image_losses.py). Everything is in nats; pixels in [0, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# --- VAE ----------------------------------------------------------------------------------------


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per row, analytic: (B, D) -> (B,).

    Per dimension it is (mu^2 + sigma^2 - 1 - log sigma^2) / 2.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x | logits) per image under independent Bernoullis, x in [0, 1]: (B, ...) -> (B,).

    Grey levels are treated as the Bernoulli's target probability (the usual practice for
    MNIST-like data); for binary pixels this is an exact log-likelihood.
    """
    return F.binary_cross_entropy_with_logits(logits.float(), x.float(), reduction="none").flatten(1).sum(1)


def gaussian_nll(mean: torch.Tensor, x: torch.Tensor, std: float) -> torch.Tensor:
    """-log N(x; mean, std^2 I) per image: (B, ...) -> (B,). A scaled MSE plus a constant."""
    d = x[0].numel()
    sq = (x.float() - mean.float()).pow(2).flatten(1).sum(1)
    return sq / (2 * std * std) + d * (math.log(std) + 0.5 * math.log(2 * math.pi))


def vae_objective(nll: torch.Tensor, kl: torch.Tensor, kl_weight: float) -> dict[str, torch.Tensor]:
    """The batch means of a VAE's terms, from per-image nll and kl (B,).

    loss = nll + kl_weight * kl is what is minimised; elbo = -(nll + kl) is the bound on
    log p(x), whatever kl_weight (beta, warm-up) the training uses.
    """
    return {
        "loss": (nll + kl_weight * kl).mean(),
        "elbo": -(nll + kl).mean(),
        "recon": nll.mean(),
        "kl": kl.mean(),
    }


def bits_per_dim(nats_per_image: float, dims: int) -> float:
    """A negative log-likelihood (bound) per image in nats -> bits per pixel value."""
    return nats_per_image / (dims * math.log(2))
