"""The DPO trainer.

Reference log-probs of every pair (train and validation) are computed once, before the first
step, and the reference model is then released: training holds one model, not two. They are
kept as `reference_logps.safetensors` with the job's artifacts and inside every checkpoint, so a
retried attempt reuses them instead of loading the reference again; a fingerprint of the
reference and the tokenized pairs guards against reusing a cache that belongs to other data.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import torch
from torch import nn

from kiln_trainer.algorithms.dpo.core import dpo_step, implicit_kl, reference_logps
from kiln_trainer.algorithms.lm import check_fits, load_lm
from kiln_trainer.algorithms.pairwise_trainer import Pairs, PairwiseTrainer
from kiln_trainer.configs.dpo import DPOConfig
from kiln_trainer.errors import ConfigError
from kiln_trainer.training.trainer import TRAIN, VAL, Metrics, trainable_count

REF_FILE = "reference_logps.safetensors"


class DPOTrainer(PairwiseTrainer):
    cfg: DPOConfig
    title = "DPO"

    def build_model(self) -> nn.Module:
        cfg = self.cfg
        self.loaded = load_lm(cfg.base_model, "base_model", seed=cfg.seed)
        check_fits(cfg.max_seq_len, self.loaded.max_seq_len)
        n_params = self.loaded.num_params()
        module = self.with_lora(self.loaded.model, self.loaded.kind).to(self.device)
        self.tokenizer, self.pad_id = self.loaded.tokenizer, self.loaded.pad_token_id
        self.log(
            f"loaded {cfg.base_model} ({self.loaded.kind}) with {n_params:,} parameters, "
            f"{trainable_count(module):,} trainable ({cfg.tuning}); device {self.device}; "
            f"{cfg.loss} loss, beta {cfg.beta}"
        )
        return module

    # -- reference log-probs -------------------------------------------------------------------

    def _fingerprint(self) -> str:
        cfg = self.cfg
        h = hashlib.sha256()
        reference = cfg.reference_model or cfg.base_model
        # A built-in reference is rebuilt from the seed; a directory is named by its path.
        h.update(json.dumps([reference, cfg.seed, cfg.max_seq_len]).encode())
        for split in (TRAIN, VAL):
            for p in self.pairs[split]:
                h.update(json.dumps([split, p.prompt_ids, p.chosen_ids, p.rejected_ids]).encode())
        return h.hexdigest()

    def _load_cached(self, fingerprint: str) -> bool:
        from safetensors import safe_open
        from safetensors.torch import load_file

        ckpt = self.ctx.latest_checkpoint()
        path = Path(ckpt) / REF_FILE if ckpt is not None else None
        if path is None or not path.is_file():
            return False
        with safe_open(str(path), framework="pt") as f:
            if (f.metadata() or {}).get("fingerprint") != fingerprint:
                self.log("the checkpoint's reference log-probs belong to other data; recomputing", "warning")
                return False
        self.ref_path = path
        flat = load_file(str(path))
        self.ref = {s: {side: flat[f"{s}.{side}"] for side in ("chosen", "rejected")} for s in (TRAIN, VAL)}
        self.log("reused the reference log-probs saved with the checkpoint")
        return True

    def _compute_reference(self) -> None:
        cfg = self.cfg
        spec, field = (
            (cfg.reference_model, "reference_model") if cfg.reference_model else (cfg.base_model, "base_model")
        )
        ref = load_lm(spec, field, seed=cfg.seed)
        if ref.tokenizer.get_vocab() != self.tokenizer.get_vocab():
            raise ConfigError("reference_model", "must use the same tokenizer as base_model")
        ref.model.to(self.device).eval()

        def logits_fn(ids: torch.Tensor) -> torch.Tensor:
            with self.autocast():
                return ref.logits(ids)

        self.ref = {}
        for split in (TRAIN, VAL):
            batches = (pairs.batch.to(self.device) for pairs in self.batches(split))
            chosen, rejected = reference_logps(logits_fn, batches)
            self.ref[split] = {"chosen": chosen, "rejected": rejected}
        # `ref` is local: it is released on return, so training holds the policy only.
        n = len(self.pairs[TRAIN]) + len(self.pairs[VAL])
        self.log(f"computed reference log-probs of {n} pairs with {spec}")

    def prepare(self) -> None:
        from safetensors.torch import save_file

        fingerprint = self._fingerprint()
        if not self._load_cached(fingerprint):
            self._compute_reference()
            self.ref_path = self.ctx.work_dir / REF_FILE
            flat = {f"{s}.{side}": t.contiguous() for s, sides in self.ref.items() for side, t in sides.items()}
            save_file(flat, str(self.ref_path), metadata={"fingerprint": fingerprint})
        self.extra_artifacts = {REF_FILE: self.ctx.save_artifact(REF_FILE, self.ref_path)}

    def write_checkpoint(self, staging: Path) -> None:
        super().write_checkpoint(staging)
        shutil.copyfile(self.ref_path, staging / REF_FILE)

    # -- training ------------------------------------------------------------------------------

    def compute_loss(self, module: nn.Module, batch: Pairs, split: str) -> tuple[torch.Tensor, Metrics]:
        idx = torch.tensor(batch.indices)
        ref = self.ref[split]
        # Validation scores every variant with DPO's plain log-loss at beta: the held-out
        # likelihood of the implicit reward, a proper score that early stopping and checkpoint
        # selection can compare across losses and smoothing settings.
        held_out = split == VAL
        out = dpo_step(
            lambda ids: self.loaded.logits(ids, module=module),
            batch.batch,
            ref["chosen"][idx].to(self.device),
            ref["rejected"][idx].to(self.device),
            beta=self.cfg.beta,
            loss="sigmoid" if held_out else self.cfg.loss,
            label_smoothing=0.0 if held_out else self.cfg.label_smoothing,
        )
        metrics = {k: v for k, v in out.metrics().items() if k != "loss"}  # the trainer adds the loss
        metrics["implicit_kl"] = implicit_kl(out, self.cfg.beta)
        return out.loss, metrics

    def save_model(self, model_dir: Path) -> None:
        self.loaded.model = self.merged(self.module, model_dir)
        self.loaded.save(model_dir)
