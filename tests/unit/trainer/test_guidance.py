"""Classifier-free guidance and conditional VAE/UNet pieces, pure: the guided combination by
hand, the label-dropout rate per seed, the UNet's guided pass against its two separate passes,
seeded conditional sampling, and the sampling-parameter checks."""

from __future__ import annotations

import pytest
import torch

from kiln_trainer.errors import ConfigError
from kiln_trainer.image_losses import drop_labels, guided_prediction
from kiln_trainer.inference.params import SamplingParams
from kiln_trainer.models.ddpm import DDPMShape, UNet
from kiln_trainer.models.vae import ConvVAE, VAEShape


def test_guided_prediction_by_hand():
    cond, uncond = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.0, 1.0, 0.5])
    # uncond + w (cond - uncond), w = 3: [0 + 3*1, 1 + 3*(-3), 0.5 + 0] = [3, -8, 0.5]
    assert torch.equal(guided_prediction(cond, uncond, 3.0), torch.tensor([3.0, -8.0, 0.5]))
    assert torch.equal(guided_prediction(cond, uncond, 1.0), cond)
    assert torch.equal(guided_prediction(cond, uncond, 0.0), uncond)
    # w = 0.5: halfway
    assert torch.equal(guided_prediction(cond, uncond, 0.5), torch.tensor([0.5, -0.5, 0.5]))


def test_label_dropout_replaces_about_the_rate_and_is_seeded():
    labels = torch.arange(10).repeat(2000)
    for rate in (0.0, 0.1, 0.5):
        u = torch.rand(len(labels), generator=torch.Generator().manual_seed(7))
        dropped = drop_labels(labels, rate, 10, u)
        share = float((dropped == 10).float().mean())
        assert abs(share - rate) < 0.02, (rate, share)
        kept = dropped != 10
        assert torch.equal(dropped[kept], labels[kept])  # the others keep their label
        again = drop_labels(labels, rate, 10, torch.rand(len(labels), generator=torch.Generator().manual_seed(7)))
        assert torch.equal(dropped, again)
    # By hand: draws below the rate are dropped, the rest kept.
    out = drop_labels(torch.tensor([3, 4, 5]), 0.3, 9, torch.tensor([0.29, 0.3, 0.9]))
    assert out.tolist() == [9, 4, 5]


def _unet(num_classes: int = 10) -> UNet:
    torch.manual_seed(0)
    shape = DDPMShape(8, 1, 8, 20, "linear", 1e-4, 0.02, "epsilon", 4, 0.0, num_classes)
    unet = UNet(shape).eval()
    with torch.no_grad():  # a fresh embedding is random anyway; make the classes differ clearly
        unet.class_embed.weight.normal_(0, 1)
    return unet


def test_the_guided_pass_is_one_batch_of_conditional_and_unconditional_rows():
    unet = _unet()
    x, t, y = torch.randn(3, 1, 8, 8), torch.tensor([5, 10, 19]), torch.tensor([1, 2, 3])
    with torch.no_grad():
        cond, uncond = unet(x, t, y), unet(x, t, torch.full_like(y, 10))
        assert torch.allclose(unet(x, t), uncond)  # no labels: "no class"
        assert not torch.allclose(cond, uncond)
        guided = unet.guided(x, t, y, 2.5)
        assert torch.allclose(guided, uncond + 2.5 * (cond - uncond), atol=1e-5)
        assert torch.equal(unet.guided(x, t, y, 1.0), cond)
        assert torch.equal(unet.guided(x, t, y, 0.0), uncond)


def test_conditional_sampling_is_seeded_and_guidance_changes_the_pixels():
    unet = _unet()
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    a = unet.sample(2, g(), labels=torch.tensor([4, 4]), guidance_scale=3.0)
    assert torch.equal(a, unet.sample(2, g(), labels=torch.tensor([4, 4]), guidance_scale=3.0))
    assert not torch.equal(a, unet.sample(2, g(), labels=torch.tensor([4, 4]), guidance_scale=1.0))
    # Without labels the classes come from the same generator, after the starting noise.
    gen = g()
    torch.randn(2, 1, 8, 8, generator=gen)
    y = torch.randint(10, (2,), generator=gen)
    assert torch.equal(unet.sample(2, g()), unet.sample(2, g(), labels=y))


def test_a_conditional_vae_decodes_the_asked_class_or_a_seeded_uniform_one():
    torch.manual_seed(0)
    vae = ConvVAE(VAEShape(8, 1, 4, 4, "bce", num_classes=10)).eval()
    a = vae.sample(3, torch.Generator().manual_seed(5))
    assert torch.equal(a, vae.sample(3, torch.Generator().manual_seed(5)))
    asked = vae.sample(3, torch.Generator().manual_seed(5), torch.tensor([7, 7, 7]))
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(asked, torch.sigmoid(vae.decode(z, torch.tensor([7, 7, 7]))))
    out, mu, _ = vae(torch.rand(3, 1, 8, 8), torch.zeros(3, 4), torch.tensor([0, 1, 2]))
    assert out.shape == (3, 1, 8, 8) and mu.shape == (3, 4)
    with pytest.raises(ValueError):
        vae.decode(z)
    # The unconditional VAE keeps its parameter names and shapes (older model directories load).
    plain = ConvVAE(VAEShape(8, 1, 4, 4, "bce"))
    assert plain.embed_encoder is None and plain.encoder[0].in_channels == 1


def test_guidance_scale_parameter_range_and_cache_key():
    assert SamplingParams(guidance_scale=2).canonical()["guidance_scale"] == 2.0
    assert "guidance_scale" not in SamplingParams().canonical()  # text cache keys unchanged
    for bad in (-0.1, 20.5, float("nan"), True):
        with pytest.raises(ConfigError) as err:
            SamplingParams(guidance_scale=bad)
        assert err.value.field == "guidance_scale"
    assert SamplingParams(guidance_scale=20).guidance_scale == 20  # the bound is allowed
