"""The reward-model job behind `kiln_trainer.algorithms.reward.train`: a causal LM body with a scalar
head, trained so the chosen completion of each pair scores above the rejected one."""

from __future__ import annotations

from pathlib import Path

import torch

from kiln_trainer.algorithms.pairwise_run import PairwiseRun
from kiln_trainer.data.preference import PairBatch
from kiln_trainer.errors import ConfigError
from kiln_trainer.lora import merge_lora
from kiln_trainer.losses import bradley_terry_loss
from kiln_trainer.models.reward_model import reward_model_from_causal_lm


class RewardRun(PairwiseRun):
    family = "reward_model"
    title = "Reward model"

    def _load_model(self) -> None:
        cfg = self.cfg
        try:
            self.reward_model = reward_model_from_causal_lm(cfg.base_model, seed=cfg.seed)
        except (OSError, ValueError) as e:
            raise ConfigError("base_model", f"cannot load {cfg.base_model!r}: {e}") from e
        lm = self.reward_model.lm
        if cfg.max_seq_len > lm.max_seq_len:
            raise ConfigError(
                "max_seq_len", f"{cfg.max_seq_len} exceeds the model's context of {lm.max_seq_len} tokens"
            )
        n_params = sum(p.numel() for p in self.reward_model.parameters())
        if cfg.tuning == "lora":
            self.reward_model.body = self._lora(self.reward_model.body, lm.kind)
        self.module = self.reward_model.to(self.device)
        self.tokenizer, self.pad_id = lm.tokenizer, lm.pad_token_id
        trainable = sum(p.numel() for p in self.module.parameters() if p.requires_grad)
        self._log(
            f"loaded {cfg.base_model} ({lm.kind}) as a reward model with {n_params:,} parameters, "
            f"{trainable:,} trainable ({cfg.tuning}); device {self.device}"
        )

    def _pair_loss(self, batch: PairBatch, split: str, indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        scores = self.module.score(batch.input_ids, batch.attention_mask)  # (2B,)
        chosen, rejected = scores[: batch.n_pairs], scores[batch.n_pairs :]
        loss, accuracy = bradley_terry_loss(chosen, rejected)
        chosen, rejected = chosen.detach(), rejected.detach()
        return loss, {
            "accuracy": float(accuracy),
            "reward_margin": float((chosen - rejected).mean()),
            "chosen_reward": float(chosen.mean()),
            "rejected_reward": float(rejected.mean()),
        }

    def _save_model(self, model_dir: Path) -> None:
        if self.cfg.tuning == "lora":
            self.reward_model.body.save_pretrained(model_dir / "adapter")
            self.reward_model.body = merge_lora(self.reward_model.body)
        self.reward_model.save(model_dir)
