"""The Trainer base: gradient steps on batches, for every method that learns from a dataset.

It owns the mechanics each method used to repeat: device and bf16 autocast, LoRA wrapping and
merging, optimizer and schedule construction (`build_optimizer` / `build_scheduler`, one
replaceable point each), gradient accumulation over micro-batches and across data-parallel
ranks, clipping, metric windows and reports, validation cadence and early stopping with the best
weights, checkpoints and resume, cancellation, the loss curve and saving the result.

A method provides the hooks (see "hooks" below): `build_model`, `load_data` (which sets
`steps_per_epoch`), `step_batches`, `eval_batches`, `batch_weight`, `compute_loss` and
`save_model`. Batches are whatever the method's hooks return (token batches, preference pairs,
images): the base only moves them to the device and passes them back. Methods with several
optimizers (a GAN's generator and discriminator) return them from `build_optimizers` and
override `train_step` with `accumulate` and `optimizer_step`; EMA weights or other files go in
`write_checkpoint` / `read_checkpoint`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import torch
from torch import nn

from kiln_trainer import optim
from kiln_trainer.configs.base import LoraArguments, TrainingArguments
from kiln_trainer.context import TrainContext, TrainResult
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.gpt import set_dropout
from kiln_trainer.schedules import Schedule
from kiln_trainer.training.checkpoint import (
    load_trainable_state,
    load_training_state,
    restore_rng,
    save_training_state,
    trainable_state,
)
from kiln_trainer.training.distributed import all_reduce_sum, broadcast_from_main, same_on_all_ranks
from kiln_trainer.training.loop import StepLoop
from kiln_trainer.training.lora import apply_lora, save_and_merge
from kiln_trainer.training.metrics import MetricWindow
from kiln_trainer.training.plots import plot_loss_curve
from kiln_trainer.training.precision import autocast, autocast_dtype, grad_scaler

TRAIN, VAL = "train", "val"
T = TypeVar("T", bound=TrainingArguments)


def sharding() -> ModuleType:
    """kiln_trainer.training.sharding, imported on first use: torch's FSDP and distributed
    checkpoint modules take ~2 s to import, which every job's cold worker would pay otherwise."""
    from kiln_trainer.training import sharding as module

    return module


Metrics = dict[str, torch.Tensor | float]
LossFn = Callable[[nn.Module, Any, str], tuple[torch.Tensor, Metrics]]  # (module, batch, split) -> (loss, metrics)


def trainable_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class Trainer(StepLoop[T]):
    unit = "examples"  # what `count` counts: reported as {unit}_per_s
    supports_ddp = False  # True: the method runs data-parallel when a process group is up

    def __init__(self, config: T, ctx: TrainContext):
        super().__init__(config, ctx)
        self.amp_dtype = autocast_dtype(config.precision, self.device)
        self.bf16 = self.amp_dtype == torch.bfloat16
        # fp16 only: scales the loss before backward, unscales before clipping, skips inf steps.
        self.scaler = grad_scaler(config.precision, self.device)
        self.lora = config.lora() if isinstance(config, LoraArguments) else None
        self.history = {TRAIN: [], VAL: []}
        self.steps_per_epoch = 1  # set by load_data
        self.seen = 0.0  # units trained on, over all ranks
        self.last_lr = 0.0
        self.last_train: dict[str, float] = {}
        self.last_val: dict[str, float] = {}
        self.last_eval_step: int | None = None
        self.best_val: float | None = None
        self.best_step: int | None = None
        self.bad_evals = 0
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.extra_artifacts: dict[str, str] = {}  # name -> URI, kept by a method
        self.fsdp = False  # set in setup: sharded with FSDP over several ranks
        self.gathered: dict[str, Any] = {}  # under FSDP: the whole state a checkpoint writes

    # -- hooks: the model ----------------------------------------------------------------------

    def build_model(self) -> nn.Module:
        """The module holding every trainable parameter, on self.device (wrap with `with_lora`)."""
        raise NotImplementedError

    def save_model(self, model_dir: Path) -> None:
        """Write the trained model as a directory its loader reads (merge adapters with `merged`)."""
        raise NotImplementedError

    # -- hooks: the data -----------------------------------------------------------------------

    def load_data(self) -> None:
        """Read the data and set self.steps_per_epoch."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Work after the data is loaded and before the optimizers exist (e.g. reference outputs)."""

    def step_batches(self, step: int) -> Sequence[Any]:
        """This rank's micro-batches of optimizer step `step`: their gradients add up to one update."""
        raise NotImplementedError

    def has_validation(self) -> bool:
        """Whether to validate; must be the same on every rank."""
        return False

    def eval_batches(self) -> Iterable[Any]:
        """This rank's validation batches."""
        return ()

    def batch_weight(self, batch: Any) -> float:
        """How many items a batch's loss is a mean over (tokens, pairs, images): micro-batches
        and ranks are weighted by it, so every item counts the same however a step is split."""
        return 1.0

    def count(self, batch: Any) -> float:
        """How many units (self.unit) a batch holds, for the throughput report."""
        return self.batch_weight(batch)

    def to_device(self, batch: Any) -> Any:
        return batch.to(self.device)

    # -- hooks: the objective and the reports --------------------------------------------------

    def compute_loss(self, module: nn.Module, batch: Any, split: str) -> tuple[torch.Tensor, Metrics]:
        """The batch's mean loss and metrics (means over its items) for split TRAIN or VAL.

        `module` is what to call: the DDP wrapper while training data-parallel, else self.module.
        Runs under autocast; metrics may stay device tensors (they are read once per report).
        """
        raise NotImplementedError

    def early_stopping_patience(self) -> int | None:
        """Evaluations without a new best validation loss before stopping; None: never stop early."""
        return None

    def early_stopping_min_delta(self) -> float:
        """How much lower a validation loss must be than the best to count as an improvement."""
        return 0.0

    def restore_best(self) -> bool:
        """With early stopping: end with the best validated weights rather than the last ones."""
        return True

    def curve_title(self) -> str:
        return self.title

    def report_extras(self) -> dict[str, float]:
        """Metrics added to every training report."""
        return {}

    def result_extras(self) -> dict[str, float]:
        """Metrics added to the result."""
        return {}

    # -- optimization: one replaceable point each -------------------------------------------------

    def build_optimizer(self, module: nn.Module) -> torch.optim.Optimizer:
        cfg = self.cfg
        return optim.build_optimizer(module, lr=cfg.learning_rate, weight_decay=cfg.weight_decay, options=cfg)

    def build_scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        cfg = self.cfg
        return optim.build_scheduler(
            optimizer, warmup_steps=cfg.warmup_steps, total_steps=self.total_steps, options=cfg
        )

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per separately stepped part; the first one's lr is reported."""
        return {"model": self.build_optimizer(self.module)}

    def set_dropout(self) -> None:
        """The config's dropout rates on the built-in kiln-gpt models inside self.module."""
        rates = self.cfg.dropout()
        if rates and not set_dropout(self.module, **rates):
            name = {"attn_dropout": "attention_dropout", "resid_dropout": "residual_dropout"}.get(
                next(iter(rates)), "embedding_dropout"
            )
            raise ConfigError(name, "applies to the built-in kiln-gpt models only")

    # -- helpers for the hooks -----------------------------------------------------------------

    def autocast(self) -> AbstractContextManager[object]:
        return autocast(self.amp_dtype, self.device)

    def with_lora(self, module: nn.Module, kind: str) -> nn.Module:
        """`module` with LoRA adapters when the config asks for them."""
        return apply_lora(module, kind, self.lora) if self.lora else module

    def merged(self, module: nn.Module, model_dir: Path) -> nn.Module:
        """`module` with its adapters saved under model_dir and merged in (as is without LoRA)."""
        return save_and_merge(module, model_dir) if self.lora else module

    @property
    def total_steps(self) -> int:
        return self.cfg.max_steps or self.cfg.epochs * self.steps_per_epoch

    # -- the run -------------------------------------------------------------------------------

    # Image methods size their model from the data (channel and class counts): they read it first.
    data_first = False

    def setup(self) -> None:
        # FSDP shards over several ranks; a lone process trains the model whole.
        self.fsdp = self.dist.enabled and self.cfg.sharding == "fsdp"
        if self.dist.enabled and not self.supports_ddp:
            raise RuntimeError(f"{self.title} jobs run in one process; got a world size of {self.dist.world_size}")
        if self.dist.enabled and self.cfg.optimizer in optim.SINGLE_PROCESS_OPTIMIZERS:
            # L-BFGS's line search and Sophia's Hutchinson probes decide per rank from local
            # values: ranks would drift apart (and DDP has no double backward).
            raise ConfigError("optimizer", f"{self.cfg.optimizer} runs in one process; use workers = 1")
        if self.data_first:
            self.load_data()
        self.module = self.build_model()
        self.set_dropout()
        if self.cfg.spectral_norm and not optim.apply_spectral_norm(self.module):
            raise ConfigError("spectral_norm", f"{self.title} trains no Linear layer to normalise")
        if not self.data_first:
            self.load_data()  # after the model: a self-paced curriculum scores the data with it
        self.prepare()
        if self.fsdp:
            self.shard()  # before the optimizers: they must hold the sharded parameters
        self.optimizers = self.build_optimizers()
        self.schedulers = {name: self.build_scheduler(opt) for name, opt in self.optimizers.items()}
        if self.scaler is not None and len(self.optimizers) > 1:
            # One scaler's update() per iteration assumes one step; several separately stepped
            # parts (a GAN) would each need their own scale bookkeeping.
            raise ConfigError("precision", f"fp16 is not supported for {self.title} jobs (several optimizers)")
        # L1 and the max-norm constraint act on the matmul weights, as weight decay does.
        self.constrained = optim.matmul_weights(self.module)
        self.log(optim.describe(self.cfg))

    def shard(self) -> None:
        # Rank 0 keeps the model's structure (on the meta device, no weights) to rebuild the
        # plain model at the end from the gathered weights.
        self.skeleton = sharding().skeleton(self.module) if self.dist.is_main else None
        units = sharding().shard(self.module)
        local, full = sharding().local_numel(self.module)
        self.log(
            f"FSDP: {units} blocks and the model root sharded over {self.dist.world_size} ranks; "
            f"rank {self.dist.rank} holds {local:,} of {full:,} parameters"
        )

    def start(self) -> None:
        self.forward_module: nn.Module = self.module
        self.ddp: Any = None
        if self.dist.enabled and not self.fsdp:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddp = self.forward_module = DistributedDataParallel(self.module, device_ids=ids)
        self.module.train()
        self.window = MetricWindow(self.device)

    def train_step(self) -> None:
        micro = self.step_batches(self.step)
        optimizer = next(iter(self.optimizers.values()))
        if not optim.uses_closure(optimizer):
            self.accumulate(micro)
            self.optimizer_step()
            return
        # L-BFGS evaluates the loss again during its line search: the closure recomputes this
        # step's loss and gradient on the same batches; only the first evaluation is reported.
        calls = 0

        def closure() -> torch.Tensor:
            nonlocal calls
            optimizer.zero_grad(set_to_none=True)
            loss = self.accumulate(micro, record=calls == 0)
            calls += 1
            return loss

        self.optimizer_step(closure=closure)

    def accumulate(
        self, micro: Sequence[Any], loss_fn: LossFn | None = None, name: str = "loss", record: bool = True
    ) -> torch.Tensor:
        """Forward and backward over one step's micro-batches; the gradient is the mean over
        every item of the step on every rank (gradients are all-reduced on the last one only).
        Returns the step's mean loss (detached).

        `loss_fn` (default: compute_loss) and `name` let a method with several objectives (a
        GAN's generator and discriminator) accumulate each under its own metric name; `record`
        False leaves the metric window alone (L-BFGS's repeated evaluations).
        """
        loss_fn = loss_fn or self.compute_loss
        # SophiaH's Hessian estimate differentiates the gradient: keep the backward graph then.
        create_graph = any(optim.needs_hessian_graph(opt) for opt in self.optimizers.values())
        step_loss = torch.zeros((), device=self.device)
        weights = [float(self.batch_weight(b)) for b in micro]
        total: float | torch.Tensor = sum(weights) or 1.0
        if self.dist.enabled:  # DDP averages over ranks; kept on the device, so no sync
            total = all_reduce_sum(torch.tensor(total, device=self.device), self.dist) / self.dist.world_size
        for i, (batch, weight) in enumerate(zip(micro, weights, strict=True)):
            batch = self.to_device(batch)
            last = i == len(micro) - 1
            sync = contextlib.nullcontext() if last or self.ddp is None else self.ddp.no_sync()
            if self.fsdp:  # reduce-scatter the gradients on the last micro-batch only
                sharding().set_gradient_sync(self.module, last)
            with sync, optim.hessian_graph() if create_graph else contextlib.nullcontext():
                with self.autocast():
                    loss, metrics = loss_fn(self.forward_module, batch, TRAIN)
                scaled = loss * (weight / total)
                if self.scaler is not None:
                    scaled = self.scaler.scale(scaled)
                scaled.backward(create_graph=create_graph)
            step_loss += loss.detach() * (weight / total)
            if record:
                self.window.add({name: loss.detach(), **metrics}, weight)
                self.window.count(self.unit, self.count(batch))
        return step_loss

    def optimizer_step(self, name: str = "model", closure: Callable[[], torch.Tensor] | None = None) -> None:
        """Clip, step and schedule one optimizer and clear its gradients; then the weight-space
        regularizers (L1's proximal step, the max-norm constraint).

        With a `closure` (L-BFGS) the optimizer computes the gradients itself: no clipping or
        noise, since its line search needs the true gradient of the loss it evaluates.
        """
        cfg = self.cfg
        optimizer, scheduler = self.optimizers[name], self.schedulers[name]
        params = [p for group in optimizer.param_groups for p in group["params"]]
        lr = float(scheduler.get_last_lr()[0])  # the lr this step uses
        if name == next(iter(self.optimizers)):
            self.last_lr = lr
        if closure is None:
            if self.scaler is not None:
                self.scaler.unscale_(optimizer)  # true gradients for the noise and the clip
            if cfg.grad_noise:
                # Seeded by the step: every rank adds the same noise to its (all-reduced) gradient.
                std = optim.grad_noise_std(cfg.grad_noise, self.step)
                optim.add_grad_noise(params, std, seed=cfg.seed * 1_000_003 + self.step)
            # Over FSDP's sharded gradients the norm is still the whole gradient's (a DTensor).
            grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
            if self.fsdp:
                grad_norm = sharding().full_tensor(grad_norm)
            if self.scaler is not None:
                # Skips the step when a gradient is inf/NaN (an overflow) and lowers the scale.
                self.scaler.step(optimizer)
                self.scaler.update()
            else:
                optimizer.step()
        else:
            optimizer.step(closure)  # type: ignore[arg-type]  # L-BFGS takes a tensor loss too
            grad_norm = torch.nn.utils.clip_grad_norm_(params, math.inf)  # of the last evaluation
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        owned = {id(p) for p in params}
        constrained = [p for p in self.constrained if id(p) in owned]
        if cfg.l1_penalty:
            optim.l1_prox(constrained, lr * cfg.l1_penalty)
        if cfg.max_weight_norm is not None:
            optim.max_norm(constrained, cfg.max_weight_norm)
        self.window.add({"grad_norm" if len(self.optimizers) == 1 else f"{name}_grad_norm": grad_norm})

    def report(self) -> None:
        means, counts = self.window.reduce(self.dist)  # one sync
        elapsed = max(time.perf_counter() - self.window.started, 1e-9)
        self.window.reset()
        for name, value in means.items():
            if name.endswith("loss") and not math.isfinite(value):
                raise RuntimeError(
                    f"training diverged: {name} is {value} at step {self.step}; try a lower learning_rate"
                )
        units = counts.get(self.unit, 0.0)
        self.seen += units
        self.last_train = means
        if "loss" in means:
            self.history[TRAIN].append([self.step, means["loss"]])
        self.report_metrics(
            means
            | {"lr": self.last_lr, "epoch": self.step / self.steps_per_epoch, f"{self.unit}_per_s": units / elapsed}
            | self.report_extras()
        )

    def after_step(self, last: bool) -> bool:
        if self.has_validation() and (self.step % self.cfg.eval_every == 0 or last):
            return self.evaluate()
        return False

    @torch.no_grad()
    def evaluate(self) -> bool:
        """Validation metrics over all ranks; returns True when early stopping should end the run."""
        started = time.perf_counter()
        module = self.module  # not the DDP wrapper: ranks may run different numbers of batches
        module.eval()
        window = MetricWindow(self.device)
        batches: Iterable[Any] = self.eval_batches()
        if self.fsdp:
            # Each FSDP forward all-gathers weights: a rank with fewer batches would leave the
            # others waiting. A method's eval_batches must give every rank the same count.
            batches = list(batches)
            if not same_on_all_ranks(len(batches), self.dist, self.device):
                raise RuntimeError(f"ranks hold different numbers of validation batches under FSDP ({len(batches)})")
        for batch in batches:
            batch = self.to_device(batch)
            with self.autocast():
                loss, metrics = self.compute_loss(module, batch, VAL)
            window.add({"loss": loss, **metrics}, float(self.batch_weight(batch)))
        module.train()
        if self.fsdp:  # no backward follows to free the root's gathered weights
            sharding().reshard(module)
        means, _ = window.reduce(self.dist)
        # The training window's clock skips this pass: tokens_per_s is the training rate.
        self.window.started += time.perf_counter() - started
        self.last_val = {f"val_{k}": v for k, v in means.items()}
        self.last_eval_step = self.step
        val = self.last_val["val_loss"]
        self.history[VAL].append([self.step, val])
        self.report_metrics(self.last_val)
        for scheduler in self.schedulers.values():
            if isinstance(scheduler, Schedule) and scheduler.observe(val):
                self.log(f"validation loss plateaued: learning rate scaled to {scheduler.scale:g} of its schedule")
        patience = self.early_stopping_patience()
        if self.best_val is None or val < self.best_val - self.early_stopping_min_delta():
            self.best_val, self.best_step, self.bad_evals = val, self.step, 0
            if patience is not None and self.restore_best():
                self.best_weights = self.full_trainable_state()
            return False
        self.bad_evals += 1
        return patience is not None and self.bad_evals >= patience

    def end_early(self) -> None:
        if self.window.sums:
            self.report()
        self.log(
            f"early stopping at step {self.step}: no validation improvement in {self.bad_evals} evaluations "
            f"(best {self.best_val:.4f} at step {self.best_step})"
        )

    def full_trainable_state(self) -> dict[str, torch.Tensor]:
        """CPU copies of the whole trainable weights (under FSDP: gathered by every rank, kept by
        rank 0; the others get {})."""
        if self.fsdp:
            return sharding().gather_trainable_state(self.module, keep=self.dist.is_main)
        return trainable_state(self.module)

    # -- checkpoints ---------------------------------------------------------------------------

    def checkpoint(self) -> None:
        self.gathered = {}
        if self.fsdp:  # collectives: every rank gathers, rank 0 writes
            self.gathered = {
                "weights": self.full_trainable_state(),
                "optimizers": {
                    name: sharding().gather_optimizer_state(self.module, opt) for name, opt in self.optimizers.items()
                },
            }
        super().checkpoint()

    def write_checkpoint(self, staging: Path) -> None:
        gathered = self.gathered
        save_training_state(
            staging,
            weights=gathered["weights"] if gathered else trainable_state(self.module),
            optim={
                "optimizers": gathered["optimizers"]
                if gathered
                else {name: opt.state_dict() for name, opt in self.optimizers.items()},
                "schedulers": {name: sched.state_dict() for name, sched in self.schedulers.items()},
                "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            },
            best_weights=self.best_weights,
        )

    def state_dict(self) -> dict[str, Any]:
        epoch, k = divmod(self.step, self.steps_per_epoch)
        return {
            "epoch": epoch,
            "step_in_epoch": k,
            "seen": self.seen,
            "last_train": self.last_train,
            "last_val": self.last_val,
            "last_eval_step": self.last_eval_step,
            "best_val": self.best_val,
            "best_step": self.best_step,
            "bad_evals": self.bad_evals,
        }

    def read_checkpoint(self, path: Path, state: dict[str, Any]) -> None:
        ck = load_training_state(path)
        if self.fsdp:  # every rank reads the full tensors and keeps its slices
            sharding().load_full_state(self.module, ck["weights"])
            for name, opt in self.optimizers.items():
                sharding().load_optimizer_state(self.module, opt, ck["optim"]["optimizers"][name])
        else:
            load_trainable_state(self.module, ck["weights"])
            for name, opt in self.optimizers.items():
                opt.load_state_dict(ck["optim"]["optimizers"][name])
        for name, sched in self.schedulers.items():
            sched.load_state_dict(ck["optim"]["schedulers"][name])
        if self.scaler is not None and ck["optim"].get("scaler"):
            self.scaler.load_state_dict(ck["optim"]["scaler"])
        restore_rng(ck["rng"])
        self.best_weights = ck["best_weights"]
        self.seen, self.last_train, self.last_val = state["seen"], state["last_train"], state["last_val"]
        self.last_eval_step, self.bad_evals = state["last_eval_step"], state["bad_evals"]
        self.best_val, self.best_step = state["best_val"], state["best_step"]

    def resumed(self, state: dict[str, Any]) -> str:
        return f" (epoch {state['epoch']}, step {state['step_in_epoch']} within it)"

    # -- the result ----------------------------------------------------------------------------

    def finish(self) -> TrainResult:
        ctx = self.ctx
        if self.has_validation() and self.last_eval_step != self.step:
            self.evaluate()
        if self.fsdp:
            # The plain model from the gathered weights, on rank 0 only (the one that saves it);
            # the other ranks keep their shards and save nothing.
            plain = sharding().gather_module(self.module, self.skeleton, keep=self.dist.is_main)
            if plain is not None:
                self.module = plain.to(self.device)
        if self.best_weights is not None and self.best_step != self.step and (self.dist.is_main or not self.fsdp):
            load_trainable_state(self.module, self.best_weights)
            self.log(f"restored the best weights (step {self.best_step}, val loss {self.best_val:.4f})")
        optim.remove_spectral_norm(self.module)  # the saved model is plain Linear layers
        model_dir = ctx.work_dir / "model"
        artifacts: dict[str, str] = {}
        if self.dist.is_main:
            self.save_model(model_dir)
            png = plot_loss_curve(
                self.history[TRAIN], self.history[VAL], ctx.work_dir / "loss_curve.png", self.curve_title()
            )
            artifacts["loss_curve.png"] = ctx.save_artifact("loss_curve.png", png)
            artifacts.update(self.extra_artifacts)
            self.log(f"saved the model to {model_dir} after {self.step} steps")
        # Every rank returns rank 0's model directory, and only once the model is on disk.
        model_dir = Path(broadcast_from_main(str(model_dir), self.dist))
        metrics = {"steps": float(self.step)}
        metrics.update({f"train_{k}": v for k, v in self.last_train.items() if not k.endswith("grad_norm")})
        metrics.update(self.last_val)
        if self.best_val is not None:
            metrics["best_val_loss"] = self.best_val
        metrics.update(self.result_extras())
        return TrainResult(model_dir=model_dir, family=self.family, metrics=metrics, artifacts=artifacts)
