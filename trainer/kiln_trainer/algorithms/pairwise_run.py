"""The training loop shared by reward-model and DPO jobs: both step over batches of preference
pairs and differ only in the model they build, the loss of a batch and what they save.

One `PairwiseRun` is one attempt of one job: load, (resume), train, save. A subclass provides
`_load_model`, `_pair_loss` and `_save_model` (and may add files to every checkpoint). Runs in
one process; the data order is a function of (seed, epoch), so a step number alone says where
in the data a resumed run is.
"""

from __future__ import annotations

import contextlib
import math
import random
import shutil
import time
from pathlib import Path

import torch

from kiln_trainer.algorithms.pairwise import PairwiseConfig
from kiln_trainer.algorithms.sft_run import seed_everything
from kiln_trainer.checkpoint import (
    load_checkpoint_dir,
    load_trainable_state,
    restore_rng,
    save_checkpoint_dir,
    trainable_state,
)
from kiln_trainer.context import TrainContext, TrainResult
from kiln_trainer.data.batches import split_train_val
from kiln_trainer.data.formats import RecordError, read_jsonl
from kiln_trainer.data.preference import PairBatch, PreferencePair, collate_pairs, tokenize_preferences
from kiln_trainer.distributed import dist_info, pick_device
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.lora import LoraSettings, apply_lora
from kiln_trainer.optim import build_optimizer, build_scheduler
from kiln_trainer.plots import plot_loss_curve

TRAIN, VAL = "train", "val"


class PairPlan:
    """Which pairs form the batch of each optimizer step: a seeded shuffle per epoch."""

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.steps_per_epoch = -(-n // batch_size)
        self._epoch: int | None = None
        self._order: list[int] = []

    def indices(self, step: int) -> list[int]:
        epoch, k = divmod(step, self.steps_per_epoch)
        if self._epoch != epoch:
            self._order = list(range(self.n))
            # An RNG of its own: other RNG use cannot shift the data order of a resumed run.
            random.Random(self.seed * 1_000_003 + epoch).shuffle(self._order)
            self._epoch = epoch
        return self._order[k * self.batch_size : (k + 1) * self.batch_size]


class PairwiseRun:
    family = "causal_lm"
    title = "pairwise"  # for the loss curve and log lines

    def __init__(self, config: PairwiseConfig, ctx: TrainContext):
        self.cfg = config
        self.ctx = ctx
        self.dist = dist_info()
        self.device = pick_device(self.dist)
        self.step = 0
        self.history: dict[str, list[list[float]]] = {"train": [], "val": []}
        self.last_train: dict[str, float] = {}
        self.last_val: dict[str, float] = {}
        self.last_eval_step: int | None = None
        self.extra_artifacts: dict[str, str] = {}  # name -> URI, kept by a subclass

    # -- hooks -----------------------------------------------------------------------------

    def _load_model(self) -> None:
        """Set self.module (the nn.Module to train), self.tokenizer, self.pad_id, self.max_seq_len."""
        raise NotImplementedError

    def _prepare(self) -> None:
        """Work after data loading and before the optimizer (e.g. reference log-probs)."""

    def _pair_loss(self, batch: PairBatch, split: str, indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        """Mean loss over the batch's pairs and metrics (means over its pairs) for the report."""
        raise NotImplementedError

    def _save_model(self, model_dir: Path) -> None:
        raise NotImplementedError

    def _checkpoint_extras(self, staging: Path) -> None:
        """Add files to a checkpoint directory before it is saved."""

    def _result_metrics(self) -> dict[str, float]:
        return {}

    # -- setup -----------------------------------------------------------------------------

    def _log(self, message: str, level: str = "info") -> None:
        self.ctx.log(message, level)

    def _use_bf16(self) -> bool:
        if self.cfg.precision == "bf16":
            return True
        return self.cfg.precision == "auto" and self.device.type == "cuda" and torch.cuda.is_bf16_supported()

    def _autocast(self):
        if self._use_bf16():
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _lora(self, module: torch.nn.Module, kind: str) -> torch.nn.Module:
        cfg = self.cfg
        settings = LoraSettings(cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, cfg.lora_target_modules)
        try:
            return apply_lora(module, kind, settings)
        except ValueError as e:  # peft: no such module / no default for this architecture
            raise ConfigError("lora_target_modules", str(e)) from e

    def _read(self, path: str, field: str) -> list[PreferencePair]:
        try:
            records = read_jsonl(path, "preference")
        except FileNotFoundError:
            raise ConfigError(field, f"no such file: {path}") from None
        except RecordError as e:
            raise ConfigError(field, f"{path}: {e}") from None
        pairs, stats = tokenize_preferences(records, self.tokenizer, self.cfg.max_seq_len)
        if stats.truncated:
            self._log(f"{path}: {stats.truncated} of {stats.records} pairs truncated to {self.cfg.max_seq_len} tokens")
        return pairs

    def _load_data(self) -> None:
        cfg = self.cfg
        train = self._read(cfg.train_path, "train_path")
        if cfg.val_path is not None:
            val = self._read(cfg.val_path, "val_path")
        else:
            train, val = split_train_val(train, cfg.val_fraction, cfg.seed)
        if not train:
            raise ConfigError("train_path", f"no preference pairs in {cfg.train_path}")
        self.pairs = {TRAIN: train, VAL: val}
        self.plan = PairPlan(len(train), cfg.batch_size, cfg.seed)
        self.total_steps = cfg.max_steps or cfg.epochs * self.plan.steps_per_epoch
        self._log(
            f"data: {len(train)} train / {len(val)} validation pairs; "
            f"{self.plan.steps_per_epoch} steps per epoch, {self.total_steps} steps"
        )

    def batches(self, split: str) -> list[tuple[list[int], PairBatch]]:
        """The split's pairs in their stored order, as (indices, batch) chunks of batch_size."""
        pairs = self.pairs[split]
        size = self.cfg.batch_size
        return [
            (list(range(i, min(i + size, len(pairs)))), collate_pairs(pairs[i : i + size], self.pad_id))
            for i in range(0, len(pairs), size)
        ]

    def _build_optimizer(self) -> None:
        cfg = self.cfg
        self.params = [p for p in self.module.parameters() if p.requires_grad]
        self.optimizer = build_optimizer(self.module, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        self.scheduler = build_scheduler(
            self.optimizer, warmup_steps=cfg.warmup_steps, total_steps=self.total_steps, min_lr_ratio=cfg.min_lr_ratio
        )

    def _resume(self) -> None:
        path = self.ctx.latest_checkpoint()
        if path is None:
            return
        ck = load_checkpoint_dir(Path(path))
        load_trainable_state(self.module, ck["weights"])
        self.optimizer.load_state_dict(ck["optim"]["optimizer"])
        self.scheduler.load_state_dict(ck["optim"]["scheduler"])
        restore_rng(ck["rng"])
        s = ck["state"]
        self.step, self.history = s["step"], s["history"]
        self.last_train, self.last_val = s["last_train"], s["last_val"]
        self.last_eval_step = s["last_eval_step"]
        self._log(f"resumed from checkpoint at step {self.step}")

    # -- training --------------------------------------------------------------------------

    def _train_step(self, sums: dict[str, float]) -> None:
        indices = self.plan.indices(self.step)
        batch = collate_pairs([self.pairs[TRAIN][i] for i in indices], self.pad_id).to(self.device)
        with self._autocast():
            loss, metrics = self._pair_loss(batch, TRAIN, indices)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, self.cfg.max_grad_norm)
        self.last_lr = self.scheduler.get_last_lr()[0]  # the lr this step used
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        for k, v in (metrics | {"loss": float(loss.detach()), "grad_norm": float(grad_norm)}).items():
            sums[k] = sums.get(k, 0.0) + v
        sums["_steps"] = sums.get("_steps", 0.0) + 1
        sums["_pairs"] = sums.get("_pairs", 0.0) + batch.n_pairs

    def _report(self, sums: dict[str, float], started: float) -> None:
        n, pairs = sums.pop("_steps"), sums.pop("_pairs")
        means = {k: v / n for k, v in sums.items()}
        if not math.isfinite(means["loss"]):
            raise RuntimeError(
                f"training diverged: loss is {means['loss']} at step {self.step}; try a lower learning_rate"
            )
        self.last_train = means
        self.history["train"].append([self.step, means["loss"]])
        report = means | {
            "lr": self.last_lr,
            "epoch": self.step / self.plan.steps_per_epoch,
            "pairs_per_s": pairs / max(time.perf_counter() - started, 1e-9),
        }
        self.ctx.report_metrics(self.step, report, self.total_steps)
        sums.clear()

    @torch.no_grad()
    def _evaluate(self) -> None:
        self.module.eval()
        totals: dict[str, float] = {}
        n_pairs = 0
        for indices, batch in self.batches(VAL):
            with self._autocast():
                loss, metrics = self._pair_loss(batch.to(self.device), VAL, indices)
            for k, v in (metrics | {"loss": float(loss)}).items():
                totals[k] = totals.get(k, 0.0) + v * batch.n_pairs
            n_pairs += batch.n_pairs
        self.module.train()
        self.last_val = {f"val_{k}": v / n_pairs for k, v in totals.items()}
        self.last_eval_step = self.step
        self.history["val"].append([self.step, self.last_val["val_loss"]])
        self.ctx.report_metrics(self.step, self.last_val, self.total_steps)

    def _checkpoint(self) -> None:
        state = {
            "step": self.step,
            "history": self.history,
            "last_train": self.last_train,
            "last_val": self.last_val,
            "last_eval_step": self.last_eval_step,
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
        )
        self._checkpoint_extras(tmp)
        self.ctx.save_checkpoint(self.step, tmp)

    def _loop(self) -> None:
        cfg = self.cfg
        sums: dict[str, float] = {}
        started = time.perf_counter()
        self.module.train()
        while self.step < self.total_steps:
            if self.ctx.should_stop():
                self._log(f"cancelled after step {self.step}", "warning")
                raise TrainingCancelled(self.step)
            self._train_step(sums)
            last = self.step == self.total_steps
            if self.step % cfg.log_every == 0 or last:
                self._report(sums, started)
                started = time.perf_counter()
            if self.pairs[VAL] and (self.step % cfg.eval_every == 0 or last):
                self._evaluate()
            if self.step % cfg.checkpoint_every == 0 and not last:
                self._checkpoint()

    def _finish(self) -> TrainResult:
        cfg, ctx = self.cfg, self.ctx
        if self.pairs[VAL] and self.last_eval_step != self.step:
            self._evaluate()
        model_dir = ctx.work_dir / "model"
        self._save_model(model_dir)
        png = plot_loss_curve(
            self.history["train"],
            self.history["val"],
            ctx.work_dir / "loss_curve.png",
            f"{self.title} of {Path(cfg.base_model).name} ({cfg.tuning})",
        )
        artifacts = {"loss_curve.png": ctx.save_artifact("loss_curve.png", png)}
        artifacts.update(self.extra_artifacts)
        self._log(f"saved the model to {model_dir} after {self.step} steps")
        metrics = {"steps": float(self.step)}
        metrics.update({f"train_{k}": v for k, v in self.last_train.items() if k != "grad_norm"})
        metrics.update(self.last_val)
        metrics.update(self._result_metrics())
        return TrainResult(model_dir=model_dir, family=self.family, metrics=metrics, artifacts=artifacts)

    def run(self) -> TrainResult:
        if self.dist.enabled:
            raise RuntimeError(f"{self.title} jobs run in one process; got a world size of {self.dist.world_size}")
        seed_everything(self.cfg.seed)
        self._load_model()
        self._load_data()
        self._prepare()
        self._build_optimizer()
        self._resume()
        self._loop()
        return self._finish()
