"""The GAN trainer on the Trainer base: two optimizers (TTUR), n_critic discriminator updates
per generator update, the three losses of image_losses, EMA of the generator.

Every eval_every steps and at the end, the mode-collapse monitor reports the class coverage
of the EMA generator's samples (metrics class_coverage and class_kl in the job's events).

Class-conditional when the data has labels (unless class_conditional is false): fakes take the
labels of the real batch they are judged beside, so the generated class mix follows the data's
and the discriminator compares like with like; sampling without a label draws it uniformly.

Images are scaled to [-1, 1] for both networks. Every discriminator update draws a fresh real
batch (batch index step * n_critic + i), so an epoch is n_critic times fewer job steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from kiln_trainer import optim
from kiln_trainer.algorithms.image_common import Batch, ImageTrainer
from kiln_trainer.configs.images import GANConfig
from kiln_trainer.image_losses import GAN_LOSSES, gradient_penalty
from kiln_trainer.models.gan import GAN, GANShape, save_generator
from kiln_trainer.training.trainer import TRAIN, Metrics, trainable_count

EMA_FILE = "ema.safetensors"
MONITOR_SAMPLES = 256  # EMA samples the mode-collapse monitor classifies at each check


class GANTrainer(ImageTrainer):
    title = "GAN"
    cfg: GANConfig

    def build_model(self) -> nn.Module:
        cfg = self.cfg
        shape = GANShape(cfg.resolution, self.channels, cfg.latent_dim, cfg.base_channels, self.conditional_classes())
        model = GAN(shape, cfg.discriminator_spectral_norm).to(self.device)
        self.d_loss_fn, self.g_loss_fn = GAN_LOSSES[cfg.loss]
        self.log(
            f"GAN ({cfg.loss}, n_critic {cfg.critic_updates}, spectral norm {cfg.discriminator_spectral_norm}, "
            f"{f'conditional on {shape.num_classes} classes' if shape.num_classes else 'unconditional'}): generator "
            f"{trainable_count(model.generator):,}, discriminator {trainable_count(model.discriminator):,} parameters"
        )
        return model

    def load_data(self) -> None:
        super().load_data()
        self.steps_per_epoch = max(1, self.batches.steps_per_epoch // self.cfg.critic_updates)
        self.val_batches = []  # a GAN has no held-out loss to watch

    def setup(self) -> None:
        super().setup()
        # The discriminator steps n_critic times per job step: its schedule spans as many steps.
        n = self.cfg.critic_updates
        self.schedulers["discriminator"] = optim.build_scheduler(
            self.optimizers["discriminator"],
            warmup_steps=self.cfg.warmup_steps * n,
            total_steps=self.total_steps * n,
            min_lr_ratio=self.cfg.min_lr_ratio,
        )

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg, m = self.cfg, self.module
        betas = cfg.betas
        return {
            "generator": torch.optim.Adam(m.generator.parameters(), lr=cfg.lr_g, betas=betas),
            "discriminator": torch.optim.Adam(m.discriminator.parameters(), lr=cfg.lr_d, betas=betas),
        }

    def noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.cfg.latent_dim, device=self.device)

    def labels(self, module: nn.Module, batch: Batch) -> torch.Tensor | None:
        """The batch's labels when the networks are conditional (fakes share them), else None."""
        return batch["y"] if module.generator.embed is not None else None

    def d_objective(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        real, y = batch["x"] * 2 - 1, self.labels(module, batch)
        with torch.no_grad():
            fake = module.generator(self.noise(real.shape[0]), y)
        d = module.discriminator
        real_s, fake_s = d(real, y), d(fake, y)
        loss = self.d_loss_fn(real_s, fake_s)
        as_prob = torch.sigmoid if self.cfg.loss == "bce" else (lambda s: s)
        metrics: Metrics = {"d_real": as_prob(real_s).mean().detach(), "d_fake": as_prob(fake_s).mean().detach()}
        if self.cfg.loss == "wgan_gp":
            mix = torch.rand(real.shape[0], device=self.device)
            gp = gradient_penalty(lambda x: d(x, y), real, fake, mix)
            loss = loss + self.cfg.gradient_penalty_weight * gp
            metrics["gp"] = gp.detach()
        return loss, metrics

    def g_objective(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        y = self.labels(module, batch)
        fake = module.generator(self.noise(batch["x"].shape[0]), y)
        return self.g_loss_fn(module.discriminator(fake, y)), {}

    def train_step(self) -> None:
        n = self.cfg.critic_updates
        batch: Any = None
        for i in range(n):
            batch = self.batches.batch(self.step * n + i)
            self.optimizers["discriminator"].zero_grad(set_to_none=True)  # drop the G step's D grads
            self.accumulate([batch], self.d_objective, "d_loss")
            self.optimizer_step("discriminator")
        self.optimizers["generator"].zero_grad(set_to_none=True)
        self.accumulate([batch], self.g_objective, "g_loss")
        self.optimizer_step("generator")
        self.module.update_ema(self.cfg.ema_decay_at(self.step))

    def compute_loss(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        return self.d_objective(module, batch, split)

    def after_step(self, last: bool) -> bool:
        if self.step % self.cfg.eval_every == 0 or last:
            self.monitor_modes()
        return False

    def data_classes(self) -> np.ndarray:
        """The training data's class histogram: its labels' (digits 0-9), else uniform."""
        labels = self.train_data.labels
        if labels is None or labels.max() > 9:
            return np.full(10, 0.1)
        return np.bincount(labels, minlength=10) / len(labels)

    def monitor_modes(self) -> None:
        """The mode-collapse monitor: class coverage and class KL of MONITOR_SAMPLES samples of the
        EMA generator under the reference digits classifier (kiln_trainer/eval/images.py), as
        metrics in the job's events; a log line when some classes went missing."""
        from kiln_trainer.eval import images as E

        fake = torch.from_numpy(self.sample_images(MONITOR_SAMPLES, self.cfg.seed + self.step))
        hist = E.class_histogram(fake)
        coverage = E.class_coverage(hist)
        self.report_metrics({"class_coverage": float(coverage), "class_kl": E.class_kl(hist, self.data_classes())})
        if coverage < 10:
            self.log(
                f"step {self.step}: samples cover {coverage} of 10 classes (>= {E.COVERAGE_SHARE:.0%} each): "
                f"{'mode collapse' if coverage <= 3 else 'some modes missing'}"
            )

    def report(self) -> None:
        super().report()
        if "d_loss" in self.last_train:  # the loss curve follows the discriminator
            self.history[TRAIN].append([self.step, self.last_train["d_loss"]])

    # -- the EMA generator is not trained, so the base checkpoint does not hold it -------------

    def write_checkpoint(self, staging: Path) -> None:
        from safetensors.torch import save_file

        super().write_checkpoint(staging)
        state = {k: v.detach().cpu().contiguous() for k, v in self.module.ema.state_dict().items()}
        save_file(state, str(staging / EMA_FILE))
        buffers = {k: v.detach().cpu().contiguous() for k, v in self.module.named_buffers()}
        save_file(buffers, str(staging / "buffers.safetensors"))

    def read_checkpoint(self, path: Path, state: dict[str, Any]) -> None:
        from safetensors.torch import load_file

        super().read_checkpoint(path, state)
        self.module.ema.load_state_dict(load_file(str(path / EMA_FILE)))
        buffers = load_file(str(path / "buffers.safetensors"))
        for name, buf in self.module.named_buffers():
            buf.copy_(buffers[name])

    def sample_images(self, n: int, seed: int) -> np.ndarray:
        ema = self.module.ema.eval()
        return ema.sample(n, torch.Generator().manual_seed(seed)).numpy()

    def save_model(self, model_dir: Path) -> None:
        save_generator(self.module.ema.eval(), model_dir)
        self.save_sample_grid()
