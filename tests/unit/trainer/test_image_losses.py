"""The image losses against naive references (torch.distributions, loops) and hand values."""

from __future__ import annotations

import math

import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from kiln_trainer.image_losses import bernoulli_nll, bits_per_dim, gaussian_kl, gaussian_nll, vae_objective


def test_gaussian_kl_matches_torch_distributions_and_a_hand_value():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    naive = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1)
    assert torch.allclose(gaussian_kl(mu, logvar), naive, atol=1e-5)
    # mu = 1, sigma = 1 in one dimension: KL = 1/2 exactly; the prior itself: 0.
    assert math.isclose(float(gaussian_kl(torch.tensor([[1.0]]), torch.tensor([[0.0]]))), 0.5)
    assert float(gaussian_kl(torch.zeros(1, 5), torch.zeros(1, 5))) == 0.0


def test_bernoulli_nll_is_the_summed_log_likelihood():
    g = torch.Generator().manual_seed(1)
    logits, x = torch.randn(2, 1, 3, 3, generator=g), (torch.rand(2, 1, 3, 3, generator=g) > 0.5).float()
    naive = -Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(bernoulli_nll(logits, x), naive, atol=1e-5)
    # logit 0 is p = 1/2 per pixel: 9 pixels cost 9 ln 2 whatever x.
    assert math.isclose(float(bernoulli_nll(torch.zeros(1, 1, 3, 3), x[:1])[0]), 9 * math.log(2), rel_tol=1e-6)


def test_gaussian_nll_is_the_summed_normal_log_likelihood():
    g = torch.Generator().manual_seed(2)
    mean, x = torch.rand(3, 2, 4, 4, generator=g), torch.rand(3, 2, 4, 4, generator=g)
    naive = -Normal(mean, 0.1).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(gaussian_nll(mean, x, 0.1), naive, atol=1e-4)


def test_the_objective_weights_kl_but_the_elbo_does_not():
    nll, kl = torch.tensor([10.0, 20.0]), torch.tensor([2.0, 4.0])
    t = vae_objective(nll, kl, kl_weight=0.5)
    assert float(t["loss"]) == 15.0 + 0.5 * 3.0
    assert float(t["elbo"]) == -(15.0 + 3.0) and float(t["recon"]) == 15.0 and float(t["kl"]) == 3.0


def test_bits_per_dim_by_hand():
    # 64 pixels at 1 bit each is 64 ln 2 nats.
    assert math.isclose(bits_per_dim(64 * math.log(2), 64), 1.0)


# --- GAN ----------------------------------------------------------------------------------------


def test_gan_losses_against_naive_formulas_and_hand_values():
    from kiln_trainer.image_losses import d_loss_bce, d_loss_hinge, d_loss_wgan, g_loss_bce, g_loss_hinge, g_loss_wgan

    g = torch.Generator().manual_seed(3)
    real, fake = torch.randn(6, generator=g), torch.randn(6, generator=g)
    p_real, p_fake = torch.sigmoid(real), torch.sigmoid(fake)
    naive_d = -(torch.log(p_real).mean() + torch.log(1 - p_fake).mean())
    assert torch.allclose(d_loss_bce(real, fake), naive_d, atol=1e-5)
    assert torch.allclose(g_loss_bce(fake), -torch.log(p_fake).mean(), atol=1e-5)  # non-saturating
    # Hand values: D(x) = 2, D(G(z)) = -0.5 for every image.
    r, f = torch.full((3,), 2.0), torch.full((3,), -0.5)
    assert float(d_loss_wgan(r, f)) == -2.5 and float(g_loss_wgan(f)) == 0.5
    assert float(d_loss_hinge(r, f)) == 0.0 + 0.5 and float(g_loss_hinge(f)) == 0.5
    assert float(d_loss_hinge(torch.tensor([0.5]), torch.tensor([0.0]))) == 0.5 + 1.0


def test_gradient_penalty_of_a_linear_critic_is_exact():
    from kiln_trainer.image_losses import gradient_penalty

    w = torch.tensor([[3.0, 4.0]])  # |w| = 5: the gradient everywhere, so the penalty is (5 - 1)^2

    def critic(x):
        return (x.flatten(1) * w).sum(1)

    real, fake = torch.randn(4, 1, 1, 2), torch.randn(4, 1, 1, 2)
    assert math.isclose(float(gradient_penalty(critic, real, fake, torch.rand(4))), 16.0, rel_tol=1e-6)
    unit = torch.tensor([[0.6, 0.8]])
    assert float(gradient_penalty(lambda x: (x.flatten(1) * unit).sum(1), real, fake, torch.rand(4))) < 1e-10


def test_gradient_penalty_trains_the_critic():
    from kiln_trainer.image_losses import gradient_penalty

    w = torch.tensor([[3.0, 4.0]], requires_grad=True)
    gp = gradient_penalty(lambda x: (x.flatten(1) * w).sum(1), torch.zeros(2, 2), torch.ones(2, 2), torch.rand(2))
    gp.backward()
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w| = 2 * 4 * (0.6, 0.8)
    assert torch.allclose(w.grad, torch.tensor([[4.8, 6.4]]))
