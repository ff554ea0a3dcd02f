"""The diffusion trainer: DDPM's simple loss (MSE of the eps or v prediction at a uniform
random timestep), EMA weights, DDIM sample grids. Images are scaled to [-1, 1].

Class-conditional when the data has labels (unless class_conditional is false), trained for
classifier-free guidance: each image's label is replaced by the UNet's "no class" label with
probability label_dropout (image_losses.drop_labels), so the one network also learns the
unconditional prediction that guidance at sampling time extrapolates away from."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from kiln_trainer.algorithms.image_common import Batch, ImageTrainer
from kiln_trainer.configs.images import DiffusionConfig
from kiln_trainer.image_losses import diffusion_loss, drop_labels, q_sample, v_target
from kiln_trainer.models.ddpm import DDPMShape, UNet, save_unet
from kiln_trainer.training.trainer import Metrics, trainable_count

EMA_FILE = "ema.safetensors"


class DiffusionTrainer(ImageTrainer):
    title = "diffusion"
    cfg: DiffusionConfig

    def build_model(self) -> nn.Module:
        cfg = self.cfg
        shape = DDPMShape(
            cfg.resolution,
            self.channels,
            cfg.base_channels,
            cfg.timesteps,
            cfg.noise_schedule,
            cfg.beta_start,
            cfg.beta_end,
            cfg.prediction,
            cfg.sampling_steps,
            cfg.ddim_eta,
            self.conditional_classes(),
        )
        model = UNet(shape).to(self.device)
        self.abar = shape.abar().to(self.device)
        self.ema = copy.deepcopy(model).requires_grad_(False)
        self.log(
            f"UNet with {trainable_count(model):,} parameters; T={cfg.timesteps} {cfg.noise_schedule} schedule, "
            f"{cfg.prediction} prediction, "
            + (
                f"conditional on {shape.num_classes} classes (label dropout {cfg.label_dropout})"
                if shape.num_classes
                else "unconditional"
            )
        )
        return model

    def compute_loss(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        x0 = batch["x"] * 2 - 1
        t = torch.randint(0, self.cfg.timesteps, (x0.shape[0],), device=x0.device)
        noise = torch.randn_like(x0)
        x_t = q_sample(x0, t, noise, self.abar)
        target = noise if self.cfg.prediction == "epsilon" else v_target(x0, noise, t, self.abar)
        y = None
        if self.ema.class_embed is not None:  # the EMA twin has the trained model's shape
            uniform = torch.rand(x0.shape[0], device=x0.device)
            y = drop_labels(batch["y"], self.cfg.label_dropout, self.ema.null_label, uniform)
        return diffusion_loss(module(x_t, t, y), target), {}

    def train_step(self) -> None:
        super().train_step()
        with torch.no_grad():
            for e, p in zip(self.ema.parameters(), self.module.parameters(), strict=True):
                e.lerp_(p, 1.0 - self.cfg.ema_decay)

    def write_checkpoint(self, staging: Path) -> None:
        from safetensors.torch import save_file

        super().write_checkpoint(staging)
        save_file({k: v.detach().cpu().contiguous() for k, v in self.ema.state_dict().items()}, str(staging / EMA_FILE))

    def read_checkpoint(self, path: Path, state: dict[str, Any]) -> None:
        from safetensors.torch import load_file

        super().read_checkpoint(path, state)
        self.ema.load_state_dict(load_file(str(path / EMA_FILE)))

    def sample_images(self, n: int, seed: int) -> np.ndarray:
        return self.ema.eval().sample(n, torch.Generator().manual_seed(seed)).numpy()

    def save_model(self, model_dir: Path) -> None:
        save_unet(self.ema.eval(), model_dir)
        self.save_sample_grid()
