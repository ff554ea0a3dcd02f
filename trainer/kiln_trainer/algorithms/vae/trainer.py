"""The VAE trainer: the negative ELBO (reconstruction + beta-weighted KL, with warm-up) on
images, reported as elbo / recon / kl per image in nats; the final model is scored on the
held-out split (test ELBO in nats and bits per dimension).

Class-conditional when the data has labels (unless class_conditional is false): encoder and
decoder see each image's label, so the ELBO (and the test ELBO) bound log p(x | y)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from kiln_trainer.algorithms.image_common import Batch, ImageTrainer
from kiln_trainer.configs.images import VAEConfig
from kiln_trainer.data.image_batches import eval_batches
from kiln_trainer.image_losses import bits_per_dim
from kiln_trainer.models.vae import ConvVAE, VAEShape, save_vae, vae_terms
from kiln_trainer.training.trainer import TRAIN, Metrics, trainable_count


class VAETrainer(ImageTrainer):
    title = "VAE"
    cfg: VAEConfig

    def build_model(self) -> nn.Module:
        cfg = self.cfg
        shape = VAEShape(
            cfg.resolution,
            self.channels,
            cfg.latent_dim,
            cfg.base_channels,
            cfg.reconstruction_loss,
            cfg.observation_std,
            self.conditional_classes(),
        )
        model = ConvVAE(shape).to(self.device)
        self.log(
            f"VAE with {trainable_count(model):,} parameters, latent {cfg.latent_dim}, {cfg.reconstruction_loss}, "
            f"{f'conditional on {shape.num_classes} classes' if shape.num_classes else 'unconditional'}"
        )
        return model

    def terms(self, module: nn.Module, batch: Batch, kl_weight: float, generator: torch.Generator | None = None):
        x = batch["x"]
        noise = torch.randn(x.shape[0], self.cfg.latent_dim, generator=generator).to(x.device)
        conditional = getattr(module, "module", module).shape.num_classes  # the trainer may hand in DDP
        return vae_terms(module, x, kl_weight, noise, batch["y"] if conditional else None)

    def compute_loss(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        # Validation scores the bound itself (weight 1), so val_loss is the negative ELBO.
        weight = self.cfg.kl_weight(self.step) if split == TRAIN else 1.0
        t = self.terms(module, batch, weight)
        metrics: Metrics = {"elbo": t["elbo"].detach(), "recon": t["recon"].detach(), "kl": t["kl"].detach()}
        if split == TRAIN:
            metrics["kl_weight"] = weight
        return t["loss"], metrics

    @torch.no_grad()
    def test_elbo(self) -> tuple[float, int] | None:
        """Mean ELBO per image (nats) on the held-out split (else validation), one posterior draw
        per image from a fixed generator; and the number of images it averages over."""
        data = self.test_data or self.val_data
        if data is None:
            return None
        self.module.eval()
        g = torch.Generator().manual_seed(self.cfg.seed + 1)
        total, n = 0.0, 0
        for batch in eval_batches(data, 256):
            batch = self.to_device(batch)
            total += float(self.terms(self.module, batch, 1.0, g)["elbo"]) * batch["x"].shape[0]
            n += batch["x"].shape[0]
        self.module.train()
        return total / n, n

    def result_extras(self) -> dict[str, float]:
        scored = self.test_elbo()
        if scored is None:
            return {}
        elbo, n = scored
        dims = self.channels * self.cfg.resolution**2
        prefix = "test" if self.test_data is not None else "val"
        self.log(f"{prefix} ELBO {elbo:.2f} nats ({bits_per_dim(-elbo, dims):.3f} bits/dim) over {n} images")
        return {f"{prefix}_elbo_nats": elbo, f"{prefix}_bits_per_dim": bits_per_dim(-elbo, dims)}

    def sample_images(self, n: int, seed: int) -> np.ndarray:
        return self.module.sample(n, torch.Generator().manual_seed(seed)).numpy()

    def save_model(self, model_dir: Path) -> None:
        self.module.eval()
        save_vae(self.module, model_dir)
        self.save_sample_grid()
        self.module.train()
