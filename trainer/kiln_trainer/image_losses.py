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


# --- diffusion (DDPM training, DDIM sampling) ----------------------------------------------------
# Notation of Ho et al. (2020) and Song et al. (2021): alpha_bar_t = prod_{s<=t} (1 - beta_s),
# x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps; timesteps are 0-based.


def linear_betas(timesteps: int, start: float = 1e-4, end: float = 0.02) -> torch.Tensor:
    """Ho et al.'s linear schedule: betas evenly spaced from start to end (float64)."""
    return torch.linspace(start, end, timesteps, dtype=torch.float64)


def cosine_betas(timesteps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Nichol & Dhariwal's cosine schedule: alpha_bar(t) = cos^2(((t/T + s)/(1 + s)) pi/2),
    beta_t = 1 - alpha_bar(t+1)/alpha_bar(t), capped at max_beta (float64)."""

    def alpha_bar(t: float) -> float:
        return math.cos((t / timesteps + s) / (1 + s) * math.pi / 2) ** 2

    return torch.tensor(
        [min(1 - alpha_bar(i + 1) / alpha_bar(i), max_beta) for i in range(timesteps)], dtype=torch.float64
    )


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    return torch.cumprod(1.0 - betas, dim=0)


def _per_image(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] shaped (B, 1, 1, ...) to broadcast against `like`, in its dtype."""
    return values.to(like.device)[t].to(like.dtype).view(-1, *([1] * (like.dim() - 1)))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, abar: torch.Tensor) -> torch.Tensor:
    """A draw from q(x_t | x_0) in closed form: sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise."""
    a = _per_image(abar, t, x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def v_target(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, abar: torch.Tensor) -> torch.Tensor:
    """The v-prediction target sqrt(abar_t) eps - sqrt(1 - abar_t) x_0 (Salimans & Ho, 2022)."""
    a = _per_image(abar, t, x0)
    return a.sqrt() * noise - (1 - a).sqrt() * x0


def to_eps_and_x0(
    x_t: torch.Tensor, output: torch.Tensor, t: torch.Tensor, abar: torch.Tensor, prediction: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted noise, predicted x_0) from a model output that is eps or v."""
    a = _per_image(abar, t, x_t)
    if prediction == "epsilon":
        eps = output
        x0 = (x_t - (1 - a).sqrt() * eps) / a.sqrt()
    else:
        x0 = a.sqrt() * x_t - (1 - a).sqrt() * output
        eps = a.sqrt() * output + (1 - a).sqrt() * x_t
    return eps, x0


def diffusion_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The simple DDPM objective: mean squared error over pixels and images."""
    return (output.float() - target.float()).pow(2).mean()


def ddim_step(
    x_t: torch.Tensor,
    eps: torch.Tensor,
    x0: torch.Tensor,
    abar_t: float,
    abar_prev: float,
    eta: float,
    noise: torch.Tensor | None,
) -> torch.Tensor:
    """One DDIM update x_t -> x_prev (Song et al., eq. 12); eta = 0 is deterministic, eta = 1
    matches DDPM's posterior variance. `noise` (like x_t) is needed when eta > 0."""
    sigma = eta * math.sqrt((1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev))
    direction = math.sqrt(max(1 - abar_prev - sigma**2, 0.0)) * eps
    x_prev = math.sqrt(abar_prev) * x0 + direction
    if sigma > 0:
        assert noise is not None, "eta > 0 needs noise"
        x_prev = x_prev + sigma * noise
    return x_prev


def ddim_timesteps(timesteps: int, steps: int) -> list[int]:
    """The descending timesteps a `steps`-step DDIM visits: T/steps apart, from the top
    (diffusers' 'leading' spacing: 0, k, 2k, ... reversed)."""
    k = timesteps // steps
    return [i * k for i in range(steps)][::-1]


# -- classifier-free guidance (Ho and Salimans, 2022) ------------------------------------------


def drop_labels(labels: torch.Tensor, rate: float, null_label: int, uniform: torch.Tensor) -> torch.Tensor:
    """Training labels with each replaced by `null_label` ("no class") where its uniform draw
    in [0, 1) is below `rate`: one network then learns the conditional and the unconditional
    prediction. `uniform` is (B,) and passed in so the caller owns the randomness."""
    return torch.where(uniform < rate, torch.full_like(labels, null_label), labels)


def guided_prediction(cond: torch.Tensor, uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance: uncond + scale * (cond - uncond); 1 is the conditional
    prediction, 0 the unconditional one. Applies to eps and equally to v: for a fixed x_t both
    are affine in each other, and the weights (1 - scale, scale) sum to 1."""
    return uncond + scale * (cond - uncond)
