"""The reward-model trainer: a causal LM body with a scalar head, trained so the chosen completion
of each pair scores above the rejected one."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from kiln_trainer.algorithms.lm import check_fits, loading
from kiln_trainer.algorithms.pairwise_trainer import Pairs, PairwiseTrainer
from kiln_trainer.configs.reward import RewardConfig
from kiln_trainer.losses import bradley_terry_loss
from kiln_trainer.models.reward_model import reward_model_from_causal_lm
from kiln_trainer.training.mixup import mix_pairs, mixup_bt_loss, sample_pair_mix
from kiln_trainer.training.trainer import TRAIN, Metrics, trainable_count


class RewardTrainer(PairwiseTrainer):
    cfg: RewardConfig

    family = "reward_model"
    title = "Reward model"

    def build_model(self) -> nn.Module:
        cfg = self.cfg
        with loading("base_model", cfg.base_model):
            self.reward_model = reward_model_from_causal_lm(cfg.base_model, seed=cfg.seed)
        lm = self.reward_model.lm
        check_fits(cfg.max_seq_len, lm.max_seq_len)
        n_params = sum(p.numel() for p in self.reward_model.parameters())
        self.reward_model.body = self.with_lora(self.reward_model.body, lm.kind)
        module = self.reward_model.to(self.device)
        self.tokenizer, self.pad_id = lm.tokenizer, lm.pad_token_id
        self.log(
            f"loaded {cfg.base_model} ({lm.kind}) as a reward model with {n_params:,} parameters, "
            f"{trainable_count(module):,} trainable ({cfg.tuning}); device {self.device}"
        )
        return module

    def compute_loss(self, module: nn.Module, batch: Pairs, split: str) -> tuple[torch.Tensor, Metrics]:
        pairs, cfg = batch.batch, self.cfg
        # One process, so `module` is the reward model itself (no DDP wrapper to go through).
        pooled = self.reward_model.pooled(pairs.input_ids, pairs.attention_mask)  # (2B, C)
        scores = self.reward_model.head_score(pooled)  # (2B,)
        chosen, rejected = scores[: pairs.n_pairs], scores[pairs.n_pairs :]
        loss, accuracy = bradley_terry_loss(chosen, rejected)
        if split == TRAIN and cfg.mixup_alpha > 0:
            # Trained on mixed pairs; the reported accuracy and margins stay the clean ones.
            mix = sample_pair_mix(pairs.n_pairs, cfg.mixup_alpha, seed=cfg.seed * 1_000_003 + self.step)
            first, second, target = mix_pairs(pooled[: pairs.n_pairs], pooled[pairs.n_pairs :], mix)
            head = self.reward_model.head_score
            loss = mixup_bt_loss(head(first), head(second), target)
        chosen, rejected = chosen.detach(), rejected.detach()
        return loss, {
            "accuracy": float(accuracy),
            "reward_margin": float((chosen - rejected).mean()),
            "chosen_reward": float(chosen.mean()),
            "rejected_reward": float(rejected.mean()),
        }

    def save_model(self, model_dir: Path) -> None:
        self.reward_model.body = self.merged(self.reward_model.body, model_dir)
        self.reward_model.save(model_dir)
