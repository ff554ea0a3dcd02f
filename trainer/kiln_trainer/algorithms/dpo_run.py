"""The DPO job behind `kiln_trainer.algorithms.dpo.train`.

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

from kiln_trainer.algorithms.dpo_core import dpo_step, reference_logps
from kiln_trainer.algorithms.pairwise_run import TRAIN, VAL, PairwiseRun
from kiln_trainer.data.preference import PairBatch
from kiln_trainer.errors import ConfigError
from kiln_trainer.lora import merge_lora
from kiln_trainer.models.loader import load_causal_lm

REF_FILE = "reference_logps.safetensors"


class DPORun(PairwiseRun):
    family = "causal_lm"
    title = "DPO"

    def _load_model(self) -> None:
        cfg = self.cfg
        try:
            self.loaded = load_causal_lm(cfg.base_model, seed=cfg.seed)
        except (OSError, ValueError) as e:
            raise ConfigError("base_model", f"cannot load {cfg.base_model!r}: {e}") from e
        if cfg.max_seq_len > self.loaded.max_seq_len:
            raise ConfigError(
                "max_seq_len", f"{cfg.max_seq_len} exceeds the model's context of {self.loaded.max_seq_len} tokens"
            )
        n_params = self.loaded.num_params()
        module = self.loaded.model
        if cfg.tuning == "lora":
            module = self._lora(module, self.loaded.kind)
        self.module = module.to(self.device)
        self.tokenizer, self.pad_id = self.loaded.tokenizer, self.loaded.pad_token_id
        trainable = sum(p.numel() for p in self.module.parameters() if p.requires_grad)
        self._log(
            f"loaded {cfg.base_model} ({self.loaded.kind}) with {n_params:,} parameters, "
            f"{trainable:,} trainable ({cfg.tuning}); device {self.device}; "
            f"{cfg.loss} loss, beta {cfg.beta}"
        )

    # -- reference log-probs ---------------------------------------------------------------

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
                self._log("the checkpoint's reference log-probs belong to other data; recomputing", "warning")
                return False
        self.ref_path = path
        self.ref = self._unpack(load_file(str(path)))
        self._log("reused the reference log-probs saved with the checkpoint")
        return True

    @staticmethod
    def _unpack(flat: dict[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
        return {s: {side: flat[f"{s}.{side}"] for side in ("chosen", "rejected")} for s in (TRAIN, VAL)}

    def _compute_reference(self) -> None:
        cfg = self.cfg
        spec, field = (
            (cfg.reference_model, "reference_model") if cfg.reference_model else (cfg.base_model, "base_model")
        )
        try:
            ref = load_causal_lm(spec, seed=cfg.seed)
        except (OSError, ValueError) as e:
            raise ConfigError(field, f"cannot load {spec!r}: {e}") from e
        if ref.tokenizer.get_vocab() != self.tokenizer.get_vocab():
            raise ConfigError("reference_model", "must use the same tokenizer as base_model")
        ref.model.to(self.device).eval()

        def logits_fn(ids: torch.Tensor) -> torch.Tensor:
            with self._autocast():
                return ref.logits(ids)

        self.ref = {}
        for split in (TRAIN, VAL):
            batches = (batch.to(self.device) for _, batch in self.batches(split))
            chosen, rejected = reference_logps(logits_fn, batches)
            self.ref[split] = {"chosen": chosen, "rejected": rejected}
        # `ref` is local: it is released on return, so training holds the policy only.
        n = len(self.pairs[TRAIN]) + len(self.pairs[VAL])
        self._log(f"computed reference log-probs of {n} pairs with {spec}")

    def _prepare(self) -> None:
        from safetensors.torch import save_file

        fingerprint = self._fingerprint()
        if not self._load_cached(fingerprint):
            self._compute_reference()
            self.ref_path = self.ctx.work_dir / REF_FILE
            flat = {f"{s}.{side}": t.contiguous() for s, sides in self.ref.items() for side, t in sides.items()}
            save_file(flat, str(self.ref_path), metadata={"fingerprint": fingerprint})
        self.extra_artifacts = {REF_FILE: self.ctx.save_artifact(REF_FILE, self.ref_path)}

    def _checkpoint_extras(self, staging: Path) -> None:
        shutil.copyfile(self.ref_path, staging / REF_FILE)

    # -- training --------------------------------------------------------------------------

    def _pair_loss(self, batch: PairBatch, split: str, indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        idx = torch.tensor(indices)
        ref = self.ref[split]
        out = dpo_step(
            lambda ids: self.loaded.logits(ids, module=self.module),
            batch,
            ref["chosen"][idx].to(self.device),
            ref["rejected"][idx].to(self.device),
            beta=self.cfg.beta,
            loss=self.cfg.loss,
            label_smoothing=self.cfg.label_smoothing,
        )
        return out.loss, out.metrics()

    def _save_model(self, model_dir: Path) -> None:
        if self.cfg.tuning == "lora":
            self.module.save_pretrained(model_dir / "adapter")
            self.loaded.model = merge_lora(self.module)
        self.loaded.save(model_dir)
