"""The small UNet of diffusion jobs, its DDIM sampler and its model directory.

Two resolutions (R and R/2): a residual block (group norm, SiLU, 3x3 convolutions, the time
embedding added in between) at each level on the way down and up, one in the middle, skip
connections by concatenation. The noise schedule and prediction type are saved beside the
weights so a served model samples exactly as it was trained.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from kiln_trainer.image_losses import (
    alphas_cumprod,
    cosine_betas,
    ddim_step,
    ddim_timesteps,
    linear_betas,
    to_eps_and_x0,
)

MODEL_TYPE = "kiln-ddpm"
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class DDPMShape:
    resolution: int
    channels: int
    base_channels: int
    timesteps: int
    noise_schedule: str
    beta_start: float
    beta_end: float
    prediction: str
    sampling_steps: int
    ddim_eta: float

    def abar(self) -> torch.Tensor:
        if self.noise_schedule == "cosine":
            betas = cosine_betas(self.timesteps)
        else:
            betas = linear_betas(self.timesteps, self.beta_start, self.beta_end)
        return alphas_cumprod(betas)


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def _groups(channels: int) -> int:
    return math.gcd(channels, 8)


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, t_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.time = nn.Linear(t_dim, c_out)
        self.norm2 = nn.GroupNorm(_groups(c_out), c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.act(self.norm1(x)))
        h = h + self.time(temb)[:, :, None, None]
        h = self.conv2(self.act(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    def __init__(self, shape: DDPMShape):
        super().__init__()
        self.shape = shape
        w, c = shape.base_channels, shape.channels
        t_dim = 4 * w
        self.t_dim = w
        self.time_mlp = nn.Sequential(nn.Linear(w, t_dim), nn.SiLU(), nn.Linear(t_dim, t_dim))
        self.conv_in = nn.Conv2d(c, w, 3, padding=1)
        self.down1 = ResBlock(w, w, t_dim)
        self.downsample = nn.Conv2d(w, 2 * w, 4, stride=2, padding=1)
        self.down2 = ResBlock(2 * w, 2 * w, t_dim)
        self.mid = ResBlock(2 * w, 2 * w, t_dim)
        self.up2 = ResBlock(4 * w, 2 * w, t_dim)
        self.upsample = nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1)
        self.up1 = ResBlock(2 * w, w, t_dim)
        self.norm_out = nn.GroupNorm(_groups(w), w)
        self.conv_out = nn.Conv2d(w, c, 3, padding=1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """(B, C, R, R) noised images and (B,) timesteps -> (B, C, R, R) eps or v."""
        temb = self.time_mlp(time_embedding(t, self.t_dim))
        h1 = self.down1(self.conv_in(x), temb)
        h2 = self.down2(self.downsample(h1), temb)
        h = self.mid(h2, temb)
        h = self.up2(torch.cat([h, h2], dim=1), temb)
        h = self.up1(torch.cat([self.upsample(h), h1], dim=1), temb)
        return self.conv_out(nn.functional.silu(self.norm_out(h)))

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator, steps: int | None = None, eta: float | None = None
    ) -> torch.Tensor:
        """n images (n, C, R, R) in [0, 1] by DDIM; every random draw comes from `generator`."""
        s = self.shape
        shape = (n, s.channels, s.resolution, s.resolution)
        return self._ddim(
            torch.randn(shape, generator=generator), lambda: torch.randn(shape, generator=generator), steps, eta
        )

    @torch.no_grad()
    def sample_each(
        self, generators: list[torch.Generator], steps: int | None = None, eta: float | None = None
    ) -> torch.Tensor:
        """One image per generator, denoised together in one batch: image i's starting noise
        (and eta noise) come from generators[i] alone, so what it shows depends on its own seed,
        not on the others in the batch (up to float rounding of the batched network)."""
        s = self.shape
        shape = (s.channels, s.resolution, s.resolution)

        def draw() -> torch.Tensor:
            return torch.stack([torch.randn(shape, generator=g) for g in generators])

        return self._ddim(draw(), draw, steps, eta)

    def _ddim(
        self, x: torch.Tensor, draw: Callable[[], torch.Tensor], steps: int | None, eta: float | None
    ) -> torch.Tensor:
        s = self.shape
        steps = steps or s.sampling_steps
        eta = s.ddim_eta if eta is None else eta
        abar_t = s.abar()
        abar = abar_t.tolist()  # Python floats for the scalar coefficients of each step
        device = next(self.parameters()).device
        x = x.to(device)
        n = x.shape[0]
        ts = ddim_timesteps(s.timesteps, steps)
        abar_t = abar_t.to(device)
        for i, t in enumerate(ts):
            t_batch = torch.full((n,), t, dtype=torch.long, device=device)
            eps, x0 = to_eps_and_x0(x, self(x, t_batch), t_batch, abar_t, s.prediction)
            x0 = x0.clamp(-1, 1)
            abar_prev = abar[ts[i + 1]] if i + 1 < len(ts) else 1.0
            noise = draw().to(device) if eta > 0 else None
            x = ddim_step(x, eps, x0, abar[t], abar_prev, eta, noise)
        return ((x.clamp(-1, 1) + 1) / 2).float().cpu()


def save_unet(model: UNet, model_dir: Path) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "config.json").write_text(json.dumps({"model_type": MODEL_TYPE, **asdict(model.shape)}, indent=1))
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(model_dir / WEIGHTS))


def load_unet(model_dir: str | Path) -> UNet:
    from kiln_trainer.compress.image_int8 import load_state, read_config

    config = read_config(model_dir, MODEL_TYPE)  # an int8 export loads the same way
    model = UNet(DDPMShape(**config))
    model.load_state_dict(load_state(model_dir))
    return model.eval()
