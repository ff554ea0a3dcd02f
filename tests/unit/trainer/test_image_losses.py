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


# --- diffusion: diffusers' schedulers as the reference ---------------------------------------


def test_schedules_and_the_forward_process_match_diffusers():
    from diffusers import DDPMScheduler

    from kiln_trainer.image_losses import alphas_cumprod, cosine_betas, linear_betas, q_sample, v_target

    g = torch.Generator().manual_seed(4)
    x0, noise = torch.randn(5, 1, 4, 4, generator=g), torch.randn(5, 1, 4, 4, generator=g)
    t = torch.tensor([0, 10, 250, 600, 999])
    for ours, name in [(linear_betas(1000, 1e-4, 0.02), "linear"), (cosine_betas(1000), "squaredcos_cap_v2")]:
        ref = DDPMScheduler(num_train_timesteps=1000, beta_schedule=name, beta_start=1e-4, beta_end=0.02)
        assert torch.allclose(ours.float(), ref.betas, atol=1e-6)
        abar = alphas_cumprod(ours)
        assert torch.allclose(abar.float(), ref.alphas_cumprod, atol=1e-5)
        assert torch.allclose(q_sample(x0, t, noise, abar), ref.add_noise(x0, noise, t), atol=1e-5)
        assert torch.allclose(v_target(x0, noise, t, abar), ref.get_velocity(x0, noise, t), atol=1e-5)


def test_the_closed_form_q_matches_the_step_by_step_forward_process():
    """x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps_t, composed: mean sqrt(abar_t) x_0 and
    variance 1 - abar_t, exactly what q_sample draws from."""
    from kiln_trainer.image_losses import alphas_cumprod, linear_betas

    betas = linear_betas(50, 1e-3, 0.2)
    mean, var = 1.0, 0.0  # of x_t given x_0 = 1
    for b in betas.tolist():
        mean, var = math.sqrt(1 - b) * mean, (1 - b) * var + b
    abar = float(alphas_cumprod(betas)[-1])
    assert math.isclose(mean, math.sqrt(abar), rel_tol=1e-9) and math.isclose(var, 1 - abar, rel_tol=1e-9)


def test_a_ddim_step_matches_diffusers():
    from diffusers import DDIMScheduler

    from kiln_trainer.image_losses import alphas_cumprod, ddim_step, ddim_timesteps, linear_betas, to_eps_and_x0

    ref = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False, set_alpha_to_one=True)
    ref.set_timesteps(20)
    assert ref.timesteps.tolist() == ddim_timesteps(1000, 20)
    abar = alphas_cumprod(linear_betas(1000))
    g = torch.Generator().manual_seed(5)
    x, out = torch.randn(2, 1, 4, 4, generator=g), torch.randn(2, 1, 4, 4, generator=g)
    for t, prev, prediction in [(950, 900, "epsilon"), (0, -1, "epsilon"), (500, 450, "v")]:
        ref.config.prediction_type = "v_prediction" if prediction == "v" else "epsilon"
        tb = torch.full((2,), t)
        eps, x0 = to_eps_and_x0(x, out, tb, abar, prediction)
        ours = ddim_step(x, eps, x0, float(abar[t]), float(abar[prev]) if prev >= 0 else 1.0, 0.0, None)
        assert torch.allclose(ours, ref.step(out, t, x, eta=0.0).prev_sample, atol=1e-4)
    # eta > 0 adds sigma * noise with DDIM's sigma (eq. 16)
    noise = torch.randn(2, 1, 4, 4, generator=g)
    eps, x0 = to_eps_and_x0(x, out, torch.full((2,), 950), abar, "epsilon")
    a_t, a_p = float(abar[950]), float(abar[900])
    sigma = math.sqrt((1 - a_p) / (1 - a_t) * (1 - a_t / a_p))
    expected = math.sqrt(a_p) * x0 + math.sqrt(1 - a_p - sigma**2) * eps + sigma * noise
    assert torch.allclose(ddim_step(x, eps, x0, a_t, a_p, 1.0, noise), expected, atol=1e-5)
