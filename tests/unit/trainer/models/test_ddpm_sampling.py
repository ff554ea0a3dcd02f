"""The UNet's batched DDIM sampler: one generator per image, so an image depends on its own
seed (not on the batch around it, up to float rounding) and a request repeats exactly."""

from __future__ import annotations

import torch

from kiln_trainer.image_losses import ddim_step, ddim_timesteps, to_eps_and_x0
from kiln_trainer.inference.images import sample_floats, sample_seed
from kiln_trainer.models.ddpm import DDPMShape, UNet


def unet(eta: float = 0.0) -> UNet:
    torch.manual_seed(0)
    return UNet(DDPMShape(8, 1, 8, 100, "linear", 1e-4, 0.02, "epsilon", 5, eta)).eval()


def g(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_each_image_comes_from_its_own_generator():
    for eta in (0.0, 1.0):
        model = unet(eta)
        batch = model.sample_each([g(i) for i in range(4)])
        assert batch.shape == (4, 1, 8, 8) and torch.equal(batch, model.sample_each([g(i) for i in range(4)]))
        alone = model.sample_each([g(2)])
        assert torch.allclose(batch[2], alone[0], atol=1e-5)  # the batch changes rounding only
        assert not torch.allclose(batch[1], batch[2], atol=1e-2)


def test_sample_each_is_the_ddim_loop_on_stacked_noise():
    model = unet()
    s = model.shape
    x = torch.stack([torch.randn(1, 8, 8, generator=g(i)) for i in range(3)])
    abar = s.abar()
    ts = ddim_timesteps(s.timesteps, s.sampling_steps)
    with torch.no_grad():
        for i, t in enumerate(ts):
            tb = torch.full((3,), t)
            eps, x0 = to_eps_and_x0(x, model(x, tb), tb, abar, "epsilon")
            prev = float(abar[ts[i + 1]]) if i + 1 < len(ts) else 1.0
            x = ddim_step(x, eps, x0.clamp(-1, 1), float(abar[t]), prev, 0.0, None)
    assert torch.equal(model.sample_each([g(i) for i in range(3)]), (x.clamp(-1, 1) + 1) / 2)


def test_served_samples_are_batched_with_the_request_seeds():
    from kiln_trainer.inference.images import _DDPMSampler

    sampler = _DDPMSampler.__new__(_DDPMSampler)
    sampler.model = unet()
    got = sample_floats(sampler, 7, range(3))
    want = sampler.model.sample_each([g(sample_seed(7, i)) for i in range(3)])
    assert torch.equal(got, want)
    assert torch.allclose(sampler.sample_one(g(sample_seed(7, 1))), got[1], atol=1e-5)
