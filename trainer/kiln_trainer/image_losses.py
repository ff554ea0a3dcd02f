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


# --- GAN ----------------------------------------------------------------------------------------
# Discriminator outputs are raw scores (B,): logits for BCE, critic values otherwise.


def d_loss_bce(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """-log D(x) - log(1 - D(G(z))) with D = sigmoid(score), batch means."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def g_loss_bce(fake: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss -log D(G(z))."""
    return F.softplus(-fake).mean()


def d_loss_wgan(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The critic's negated Wasserstein estimate: E[D(G(z))] - E[D(x)] (add the gradient penalty)."""
    return fake.mean() - real.mean()


def g_loss_wgan(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def d_loss_hinge(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def g_loss_hinge(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, mix: torch.Tensor) -> torch.Tensor:
    """WGAN-GP's E[(||grad_x D(x_hat)||_2 - 1)^2] at x_hat = mix * real + (1 - mix) * fake.

    `mix` (B,) in [0, 1] is drawn by the caller, which keeps this function deterministic. The
    graph is kept (create_graph) so the penalty trains the critic.
    """
    shape = (-1,) + (1,) * (real.dim() - 1)
    x_hat = (mix.view(shape) * real.detach() + (1 - mix.view(shape)) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1.0).pow(2).mean()


GAN_LOSSES = {
    "bce": (d_loss_bce, g_loss_bce),
    "wgan_gp": (d_loss_wgan, g_loss_wgan),
    "hinge": (d_loss_hinge, g_loss_hinge),
}
