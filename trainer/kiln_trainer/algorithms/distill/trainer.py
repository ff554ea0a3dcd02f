"""The distillation trainer: the SFT trainer with a frozen teacher and `distillation_loss`."""

from __future__ import annotations

import torch
from torch import nn

from kiln_trainer.algorithms.lm import check_fits, load_lm
from kiln_trainer.algorithms.sft.trainer import SFTTrainer
from kiln_trainer.configs.distill import DistillConfig
from kiln_trainer.data.collate import Batch
from kiln_trainer.errors import ConfigError
from kiln_trainer.losses import distillation_loss
from kiln_trainer.training.trainer import Metrics


class DistillTrainer(SFTTrainer):
    cfg: DistillConfig
    title = "Distillation"

    def build_model(self) -> nn.Module:
        module = super().build_model()
        cfg = self.cfg
        self.teacher = load_lm(cfg.teacher_model, "teacher_model")
        t_vocab, s_vocab = len(self.teacher.tokenizer), len(self.loaded.tokenizer)
        if t_vocab != s_vocab:
            raise ConfigError(
                "teacher_model",
                f"the teacher's vocabulary ({t_vocab} tokens) differs from the "
                f"student's ({s_vocab}); distillation needs one tokenizer",
            )
        check_fits(cfg.max_seq_len, self.teacher.max_seq_len, "the teacher's")
        # Packed rows need block-diagonal attention in the teacher too.
        self.packing = self.packing and self.teacher.supports_packing()
        self.teacher.model.to(self.device).eval().requires_grad_(False)
        return module

    def compute_loss(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        logits = self.logits(module, batch)  # (B, T, V)
        with torch.no_grad():
            teacher = self.teacher.logits(
                batch.input_ids, doc_ids=batch.doc_ids, position_ids=batch.position_ids
            )  # (B, T, V)
        return distillation_loss(logits, teacher, batch.labels, self.cfg.temperature, self.cfg.alpha, self.cfg.kl), {}
