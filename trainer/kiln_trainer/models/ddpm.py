"""The small UNet of diffusion jobs, its DDIM sampler and its model directory.

Two resolutions (R and R/2): a residual block (group norm, SiLU, 3x3 convolutions, the time
embedding added in between) at each level on the way down and up, one in the middle, skip
connections by concatenation. The noise schedule and prediction type are saved beside the
weights so a served model samples exactly as it was trained.

Class-conditional (num_classes > 0, a labelled dataset): a learned class embedding is added to
the time embedding. Row num_classes of that embedding is "no class", which training puts in
place of a fraction of the labels (label dropout), so the same network predicts both the
conditional and the unconditional noise, and sampling combines them by classifier-free
guidance (image_losses.guided_prediction), both evaluated in one forward pass of 2n rows. An
unlabelled call draws the classes uniformly from the sampling generator, after the starting
noise, so seeded samples stay reproducible; the unconditional layers keep their names, so older
model directories load unchanged.
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
    guided_prediction,
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
    num_classes: int = 0  # > 0: class-conditional (older model directories have no such key)

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
        k = shape.num_classes
        self.class_embed = nn.Embedding(k + 1, t_dim) if k else None  # row k: "no class"
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

    @property
    def null_label(self) -> int:
        """The label meaning "no class" (the unconditional model) of a conditional UNet."""
        return self.shape.num_classes

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, C, R, R) noised images, (B,) timesteps (and, when conditional, (B,) labels in
        [0, num_classes], num_classes meaning "no class"; None means no class for all) ->
        (B, C, R, R) eps or v."""
        temb = self.time_mlp(time_embedding(t, self.t_dim))
        if self.class_embed is not None:
            if y is None:
                y = torch.full_like(t, self.null_label)
            temb = temb + self.class_embed(y)
        h1 = self.down1(self.conv_in(x), temb)
        h2 = self.down2(self.downsample(h1), temb)
        h = self.mid(h2, temb)
        h = self.up2(torch.cat([h, h2], dim=1), temb)
        h = self.up1(torch.cat([self.upsample(h), h1], dim=1), temb)
        return self.conv_out(nn.functional.silu(self.norm_out(h)))

    def guided(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None, scale: float) -> torch.Tensor:
        """The model's prediction at (x, t) for labels y under guidance `scale`: one pass when
        the model is unconditional or the scale is 1 (conditional) or 0 (unconditional), else
        one pass of 2B rows (conditional then "no class") combined by guided_prediction."""
        if self.class_embed is None or y is None or scale == 1:
            return self(x, t, y)
        null = torch.full_like(y, self.null_label)
        if scale == 0:
            return self(x, t, null)
        cond, uncond = self(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null])).chunk(2)
        return guided_prediction(cond, uncond, scale)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        generator: torch.Generator,
        steps: int | None = None,
        eta: float | None = None,
        labels: torch.Tensor | None = None,
        guidance_scale: float = 1.0,
    ) -> torch.Tensor:
        """n images (n, C, R, R) in [0, 1] by DDIM; every random draw comes from `generator`. A
        conditional model samples class `labels` (drawn uniformly when None) with classifier-free
        guidance `guidance_scale` (1: the conditional model, 0: the unconditional one)."""
        s = self.shape
        shape = (n, s.channels, s.resolution, s.resolution)
        x = torch.randn(shape, generator=generator)
        y = None
        if self.class_embed is not None:  # the class is drawn after the starting noise
            y = labels if labels is not None else torch.randint(s.num_classes, (n,), generator=generator)
        return self._ddim(x, lambda: torch.randn(shape, generator=generator), steps, eta, y, guidance_scale)

    @torch.no_grad()
    def sample_each(
        self,
        generators: list[torch.Generator],
        steps: int | None = None,
        eta: float | None = None,
        labels: torch.Tensor | None = None,
        guidance_scale: float = 1.0,
    ) -> torch.Tensor:
        """One image per generator, denoised together in one batch: image i's starting noise,
        its class (when drawn) and its eta noise come from generators[i] alone, in the order
        sample(1, generators[i]) draws them, so what it shows depends on its own seed, not on the
        others in the batch (up to float rounding of the batched network)."""
        s = self.shape
        shape = (s.channels, s.resolution, s.resolution)

        def draw() -> torch.Tensor:
            return torch.stack([torch.randn(shape, generator=g) for g in generators])

        x = draw()
        y = None
        if self.class_embed is not None:
            y = labels
            if y is None:
                y = torch.cat([torch.randint(s.num_classes, (1,), generator=g) for g in generators])
        return self._ddim(x, draw, steps, eta, y, guidance_scale)

    def _ddim(
        self,
        x: torch.Tensor,
        draw: Callable[[], torch.Tensor],
        steps: int | None,
        eta: float | None,
        y: torch.Tensor | None,
        guidance_scale: float,
    ) -> torch.Tensor:
        s = self.shape
        steps = steps or s.sampling_steps
        eta = s.ddim_eta if eta is None else eta
        abar_t = s.abar()
        abar = abar_t.tolist()  # Python floats for the scalar coefficients of each step
        device = next(self.parameters()).device
        x = x.to(device)
        n = x.shape[0]
        if y is not None:
            y = y.to(device)
        ts = ddim_timesteps(s.timesteps, steps)
        abar_t = abar_t.to(device)
        for i, t in enumerate(ts):
            t_batch = torch.full((n,), t, dtype=torch.long, device=device)
            out = self.guided(x, t_batch, y, guidance_scale)
            eps, x0 = to_eps_and_x0(x, out, t_batch, abar_t, s.prediction)
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
