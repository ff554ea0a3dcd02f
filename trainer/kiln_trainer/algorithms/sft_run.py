"""The SFT training loop behind `kiln_trainer.algorithms.sft.train`.

Separate from sft.py because it imports torch at module level; the config module must stay
cheap for the gateway. One `SFTRun` is one attempt of one job: load, (resume), train, save.
"""

from __future__ import annotations

import contextlib
import math
import random
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from kiln_trainer.algorithms.sft import SFTConfig
from kiln_trainer.checkpoint import (
    load_checkpoint_dir,
    load_trainable_state,
    restore_rng,
    save_checkpoint_dir,
    trainable_state,
)
from kiln_trainer.context import TrainContext, TrainResult
from kiln_trainer.data.batches import EpochPlan, split_train_val
from kiln_trainer.data.formats import RecordError, read_jsonl
from kiln_trainer.data.tokenize import Example, tokenize_sft
from kiln_trainer.distributed import (
    all_reduce_sum,
    any_rank,
    broadcast_from_main,
    dist_info,
    pick_device,
)
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.lora import LoraSettings, apply_lora, merge_lora
from kiln_trainer.losses import sft_loss
from kiln_trainer.models.loader import load_causal_lm
from kiln_trainer.optim import build_optimizer, build_scheduler
from kiln_trainer.plots import plot_loss_curve


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class _Window:
    """Sums over the steps since the last metrics report, kept as device tensors so the loop
    never waits for the device; they are read once per report."""

    def __init__(self, device: torch.device):
        self.device = device
        self.reset()

    def reset(self) -> None:
        self.loss_sum = torch.zeros((), device=self.device)
        self.grad_norm_sum = torch.zeros((), device=self.device)
        self.targets = 0
        self.tokens = 0
        self.steps = 0
        self.started = time.perf_counter()


class SFTRun:
    def __init__(self, config: SFTConfig, ctx: TrainContext):
        self.cfg = config
        self.ctx = ctx
        self.dist = dist_info()
        self.device = pick_device(self.dist)
        self.step = 0
        self.tokens_seen = 0  # real (non-padding) tokens trained on, all ranks
        self.history: dict[str, list[list[float]]] = {"train": [], "val": []}
        self.best_val: float | None = None
        self.best_step: int | None = None
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.bad_evals = 0
        self.last_eval_step: int | None = None
        self.last_train_loss: float | None = None

    # -- setup -----------------------------------------------------------------------------

    def _log(self, message: str, level: str = "info") -> None:
        if self.dist.is_main:  # one copy of each line, not one per rank
            self.ctx.log(message, level)

    def _use_bf16(self) -> bool:
        if self.cfg.precision == "bf16":
            return True
        return self.cfg.precision == "auto" and self.device.type == "cuda" and torch.cuda.is_bf16_supported()

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
        self.packing = cfg.packing and self.loaded.supports_packing()
        if cfg.packing and not self.packing:
            self._log(
                "this model ignores block-diagonal attention masks; training on padded batches instead of packed ones",
                "warning",
            )
        module = self.loaded.model
        n_params = self.loaded.num_params()  # before LoRA adds its matrices
        if cfg.tuning == "lora":
            settings = LoraSettings(cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, cfg.lora_target_modules)
            try:
                module = apply_lora(module, self.loaded.kind, settings)
            except ValueError as e:  # peft: no such module / no default for this architecture
                raise ConfigError("lora_target_modules", str(e)) from e
        self.module = module.to(self.device)
        self.module.train()
        trainable = sum(p.numel() for p in self.module.parameters() if p.requires_grad)
        self._log(
            f"loaded {cfg.base_model} ({self.loaded.kind}) with "
            f"{n_params:,} parameters, {trainable:,} trainable "
            f"({cfg.tuning}); device {self.device}, "
            f"{'bf16 autocast' if self._use_bf16() else 'fp32'}, "
            f"{'packed' if self.packing else 'padded'} batches, "
            f"{self.dist.world_size} rank(s)"
        )

    def _read(self, path: str, field: str) -> list[dict]:
        try:
            return read_jsonl(path, "sft")
        except FileNotFoundError:
            raise ConfigError(field, f"no such file: {path}") from None
        except RecordError as e:
            raise ConfigError(field, f"{path}: {e}") from None

    def _tokenize(self, records: list[dict]) -> tuple[list[Example], dict[str, int]]:
        examples, stats = tokenize_sft(records, self.loaded.tokenizer, self.cfg.max_seq_len)
        return examples, stats.as_dict()

    def _load_data(self) -> None:
        cfg = self.cfg
        train_ex, stats = self._tokenize(self._read(cfg.train_path, "train_path"))
        if cfg.val_path is not None:
            val_ex, _ = self._tokenize(self._read(cfg.val_path, "val_path"))
        else:
            train_ex, val_ex = split_train_val(train_ex, cfg.val_fraction, cfg.seed)
        if not train_ex:
            raise ConfigError(
                "train_path",
                f"no trainable examples in {cfg.train_path} ({stats['dropped']} lost all labels to truncation)",
            )

        def plan(examples: list[Example]) -> EpochPlan:
            return EpochPlan(
                examples,
                self.packing,
                cfg.batch_size,
                cfg.max_seq_len,
                self.loaded.pad_token_id,
                cfg.seed,
                self.dist.rank,
                self.dist.world_size,
                cfg.grad_accum_steps,
            )

        self.plan = plan(train_ex)
        self.val_batches = plan(val_ex).eval_batches() if val_ex else []
        # Whether to validate must not depend on this rank's shard: with few validation rows one
        # rank can get no batch at all, and if it skipped the evaluation the others would wait
        # forever in its all-reduce. val_ex is the same on every rank.
        self.has_val = bool(val_ex)
        self.total_steps = cfg.max_steps or cfg.epochs * self.plan.steps_per_epoch
        self._log(
            f"data: {len(train_ex)} train / {len(val_ex)} validation examples "
            f"({stats['truncated']} truncated, {stats['dropped']} dropped); "
            f"{self.plan.steps_per_epoch} steps per epoch, {self.total_steps} steps"
        )

    def _build_optimizer(self) -> None:
        cfg = self.cfg
        self.optimizer = build_optimizer(self.module, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        self.scheduler = build_scheduler(
            self.optimizer, warmup_steps=cfg.warmup_steps, total_steps=self.total_steps, min_lr_ratio=cfg.min_lr_ratio
        )

    def _resume(self) -> None:
        path = self.ctx.latest_checkpoint()
        if path is not None:
            ck = load_checkpoint_dir(Path(path))
            load_trainable_state(self.module, ck["weights"])
            self.optimizer.load_state_dict(ck["optim"]["optimizer"])
            self.scheduler.load_state_dict(ck["optim"]["scheduler"])
            restore_rng(ck["rng"])
            s = ck["state"]
            self.step, self.tokens_seen = s["step"], s["tokens_seen"]
            self.history = s["history"]
            self.best_val, self.best_step = s["best_val"], s["best_step"]
            self.bad_evals, self.last_eval_step = s["bad_evals"], s["last_eval_step"]
            self.last_train_loss = s["last_train_loss"]
            self.best_weights = ck["best_weights"]
            self._log(
                f"resumed from checkpoint at step {self.step} (epoch {s['epoch']}, step {s['step_in_epoch']} within it)"
            )
        if self.dist.enabled:  # every rank must pick up the same checkpoint
            t = torch.tensor([self.step, -self.step], device=self.device)
            torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
            if int(t[0]) != -int(t[1]):
                raise RuntimeError(f"ranks resumed from different steps ({-int(t[1])}..{int(t[0])})")

    # -- training --------------------------------------------------------------------------

    def _autocast(self):
        if self._use_bf16():
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _loss_sum(self, module: torch.nn.Module, batch) -> torch.Tensor:
        with self._autocast():
            logits = self.loaded.logits(
                batch.input_ids, doc_ids=batch.doc_ids, position_ids=batch.position_ids, module=module
            )
        # Padded rows are right-padded, so causal attention alone keeps real tokens off the
        # padding: no attention mask needed (and SDPA keeps its fused causal path).
        return sft_loss(logits, batch.labels)[0]

    def _train_step(self, window: _Window) -> None:
        epoch, k = divmod(self.step, self.plan.steps_per_epoch)
        micro = self.plan.step_batches(epoch, k)
        # Normalise by the step's target count over all micro-batches and ranks, so every
        # token weighs the same however the step was split. DDP averages gradients over ranks,
        # hence the world_size factor. Counts come from the host, so one process never syncs.
        n_local = float(sum(b.n_targets for b in micro))
        if self.dist.enabled:  # kept on the device: the scale needs no sync either
            n = all_reduce_sum(torch.tensor(n_local, device=self.device), self.dist)
            scale = self.dist.world_size / n
        else:
            scale = 1.0 / n_local
        for i, batch in enumerate(micro):
            batch = batch.to(self.device)
            last = i == len(micro) - 1
            # Skip the gradient all-reduce until the last micro-batch of the step.
            sync = contextlib.nullcontext() if last or not self.dist.enabled else self.ddp.no_sync()
            with sync:
                loss_sum = self._loss_sum(self.forward_module, batch)
                (loss_sum * scale).backward()
            window.loss_sum += loss_sum.detach()
            window.targets += batch.n_targets
            window.tokens += batch.n_tokens
        window.grad_norm_sum += torch.nn.utils.clip_grad_norm_(self.params, self.cfg.max_grad_norm)
        self.last_lr = self.scheduler.get_last_lr()[0]  # the lr this step used
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        window.steps += 1
        self.step += 1

    def _report(self, window: _Window) -> None:
        totals = torch.stack(
            [
                window.loss_sum.double(),
                torch.tensor(float(window.targets), dtype=torch.float64, device=self.device),
                torch.tensor(float(window.tokens), dtype=torch.float64, device=self.device),
            ]
        )
        loss_sum, targets, tokens = all_reduce_sum(totals, self.dist).tolist()  # one sync
        loss = loss_sum / max(targets, 1.0)
        if not math.isfinite(loss):
            raise RuntimeError(f"training diverged: loss is {loss} at step {self.step}; try a lower learning_rate")
        elapsed = max(time.perf_counter() - window.started, 1e-9)
        self.tokens_seen += int(tokens)
        self.last_train_loss = loss
        self.history["train"].append([self.step, loss])
        if self.dist.is_main:
            self.ctx.report_metrics(
                self.step,
                {
                    "loss": loss,
                    "lr": self.last_lr,
                    "tokens_per_s": tokens / elapsed,
                    "grad_norm": float(window.grad_norm_sum) / window.steps,
                    "epoch": self.step / self.plan.steps_per_epoch,
                    "tokens": float(self.tokens_seen),
                },
                self.total_steps,
            )
        window.reset()

    @torch.no_grad()
    def _evaluate(self) -> bool:
        """Validation loss over all ranks; returns True when early stopping should end the run."""
        module = self.module  # not the DDP wrapper: ranks may run different numbers of batches
        module.eval()
        sums = torch.zeros(2, dtype=torch.float64, device=self.device)
        for batch in self.val_batches:
            batch = batch.to(self.device)
            sums[0] += self._loss_sum(module, batch).double()
            sums[1] += batch.n_targets
        module.train()
        loss_sum, targets = all_reduce_sum(sums, self.dist).tolist()
        val = loss_sum / max(targets, 1.0)
        self.last_eval_step = self.step
        self.history["val"].append([self.step, val])
        if self.dist.is_main:
            self.ctx.report_metrics(self.step, {"val_loss": val}, self.total_steps)
        if self.best_val is None or val < self.best_val:
            self.best_val, self.best_step, self.bad_evals = val, self.step, 0
            if self.cfg.early_stopping_patience is not None:
                self.best_weights = trainable_state(self.module)
            return False
        self.bad_evals += 1
        patience = self.cfg.early_stopping_patience
        return patience is not None and self.bad_evals >= patience

    def _checkpoint(self) -> None:
        if not self.dist.is_main:
            return
        epoch, k = divmod(self.step, self.plan.steps_per_epoch)
        state = {
            "step": self.step,
            "epoch": epoch,
            "step_in_epoch": k,
            "tokens_seen": self.tokens_seen,
            "history": self.history,
            "best_val": self.best_val,
            "best_step": self.best_step,
            "bad_evals": self.bad_evals,
            "last_eval_step": self.last_eval_step,
            "last_train_loss": self.last_train_loss,
            "config": self.cfg.to_dict(),
        }
        tmp = self.ctx.work_dir / "_checkpoint_staging"
        shutil.rmtree(tmp, ignore_errors=True)
        save_checkpoint_dir(
            tmp,
            weights=trainable_state(self.module),
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            state=state,
            best_weights=self.best_weights,
        )
        self.ctx.save_checkpoint(self.step, tmp)

    def _loop(self) -> None:
        cfg = self.cfg
        self.params = [p for p in self.module.parameters() if p.requires_grad]
        window = _Window(self.device)
        while self.step < self.total_steps:
            if any_rank(self.ctx.should_stop(), self.dist, self.device):
                self._log(f"cancelled after step {self.step}", "warning")
                raise TrainingCancelled(self.step)
            self._train_step(window)
            last = self.step == self.total_steps
            if self.step % cfg.log_every == 0 or last:
                self._report(window)
            stop = False
            if self.has_val and (self.step % cfg.eval_every == 0 or last):
                stop = self._evaluate()
            if self.step % cfg.checkpoint_every == 0 and not last:
                self._checkpoint()
            if stop:
                if window.steps:
                    self._report(window)
                self._log(
                    f"early stopping at step {self.step}: no validation improvement in "
                    f"{self.bad_evals} evaluations (best {self.best_val:.4f} at step "
                    f"{self.best_step})"
                )
                break

    # -- finish ----------------------------------------------------------------------------

    def _finish(self) -> TrainResult:
        cfg, ctx = self.cfg, self.ctx
        if self.has_val and self.last_eval_step != self.step:
            self._evaluate()
        if self.best_weights is not None and self.best_step != self.step:
            load_trainable_state(self.module, self.best_weights)
            self._log(f"restored the best weights (step {self.best_step}, val loss {self.best_val:.4f})")
        model_dir = ctx.work_dir / "model"
        artifacts: dict[str, str] = {}
        if self.dist.is_main:
            if cfg.tuning == "lora":
                self.module.save_pretrained(model_dir / "adapter")
                self.loaded.model = merge_lora(self.module)
            self.loaded.save(model_dir)
            png = plot_loss_curve(
                self.history["train"],
                self.history["val"],
                ctx.work_dir / "loss_curve.png",
                f"SFT of {Path(cfg.base_model).name} ({cfg.tuning})",
            )
            artifacts["loss_curve.png"] = ctx.save_artifact("loss_curve.png", png)
            self._log(f"saved the model to {model_dir} after {self.step} steps")
        # Every rank returns rank 0's model directory, and only once the model is on disk.
        model_dir = Path(broadcast_from_main(str(model_dir), self.dist))
        metrics = {"steps": float(self.step), "tokens": float(self.tokens_seen)}
        if self.last_train_loss is not None:
            metrics["train_loss"] = self.last_train_loss
        if self.best_val is not None:
            metrics["best_val_loss"] = self.best_val
        return TrainResult(model_dir=model_dir, family="causal_lm", metrics=metrics, artifacts=artifacts)

    def run(self) -> TrainResult:
        seed_everything(self.cfg.seed + self.dist.rank)  # per-rank dropout streams
        self._load_model()
        self._load_data()
        self._build_optimizer()
        self._resume()
        self.forward_module = self.module
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddp = DistributedDataParallel(self.module, device_ids=ids)
            self.forward_module = self.ddp
        self._loop()
        return self._finish()
