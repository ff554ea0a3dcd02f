"""The distillation loop behind `kiln_trainer.algorithms.distill.train`: the SFT loop with a frozen
teacher and `distillation_loss` (torch at module level, hence apart from distill.py)."""

from __future__ import annotations

import torch

from kiln_trainer.algorithms.distill import DistillConfig
from kiln_trainer.algorithms.sft_run import SFTRun
from kiln_trainer.errors import ConfigError
from kiln_trainer.losses import IGNORE, distillation_loss
from kiln_trainer.models.loader import load_causal_lm


class DistillRun(SFTRun):
    cfg: DistillConfig

    def _load_model(self) -> None:
        super()._load_model()
        try:
            self.teacher = load_causal_lm(self.cfg.teacher_model)
        except (OSError, ValueError) as e:
            raise ConfigError("teacher_model", f"cannot load {self.cfg.teacher_model!r}: {e}") from e
        t_vocab, s_vocab = len(self.teacher.tokenizer), len(self.loaded.tokenizer)
        if t_vocab != s_vocab:
            raise ConfigError(
                "teacher_model",
                f"the teacher's vocabulary ({t_vocab} tokens) differs from the "
                f"student's ({s_vocab}); distillation needs one tokenizer",
            )
        if self.cfg.max_seq_len > self.teacher.max_seq_len:
            raise ConfigError(
                "max_seq_len",
                f"{self.cfg.max_seq_len} exceeds the teacher's context of {self.teacher.max_seq_len} tokens",
            )
        # Packed rows need block-diagonal attention in the teacher too.
        self.packing = self.packing and self.teacher.supports_packing()
        self.teacher.model.to(self.device).eval().requires_grad_(False)

    def _loss_sum(self, module: torch.nn.Module, batch) -> torch.Tensor:
        with self._autocast():
            logits = self.loaded.logits(
                batch.input_ids, doc_ids=batch.doc_ids, position_ids=batch.position_ids, module=module
            )  # (B, T, V)
            with torch.no_grad():
                teacher = self.teacher.logits(
                    batch.input_ids, doc_ids=batch.doc_ids, position_ids=batch.position_ids
                )  # (B, T, V)
        n = (batch.labels[:, 1:] != IGNORE).sum()
        # distillation_loss is a mean over target positions; the loop normalises sums per step.
        return distillation_loss(logits, teacher, batch.labels, self.cfg.temperature, self.cfg.alpha) * n
