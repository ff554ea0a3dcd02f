"""The parts every method config is built from, each validated at construction.

A method's config extends the parts it has (e.g. `SFTConfig(FineTuneArguments)`); each part's
`__post_init__` checks its own fields and calls super(), so a config is checked whole when it is
built. Every config is keyword-only: parts with defaults combine in any order with the fields a
method requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kiln_trainer.configs.checks import (
    check_choice,
    check_context,
    check_float,
    check_int,
    check_model,
    check_optional_int,
    check_path,
)
from kiln_trainer.configs.core import ConfigBase
from kiln_trainer.configs.techniques import OptimizerArguments, RegularizationArguments, ScheduleArguments
from kiln_trainer.errors import ConfigError

PRECISION = ("auto", "fp32", "bf16", "fp16")
TUNING = ("full", "lora")
SHARDING = ("ddp", "fsdp")
# Optimizers whose update is not an elementwise (or row-local) function of a parameter's slice:
# L-BFGS and Sophia run in one process anyway; Adafactor factors a weight's second moment over
# its rows and columns, which pytorch-optimizer's implementation does not do on DTensors.
FSDP_REFUSED_OPTIMIZERS = ("lbfgs", "sophia", "adafactor")


@dataclass(frozen=True)
class LoraSettings:
    r: int
    alpha: int
    dropout: float
    target_modules: list[str] | None  # None: a default for the model kind


@dataclass(kw_only=True)
class LoraArguments(ConfigBase):
    # "full" trains every weight; "lora" trains low-rank adapters, merged in when saving.
    tuning: str = "full"
    lora_r: int = 8  # adapter rank
    lora_alpha: int = 16  # adapter scale is alpha / r
    lora_dropout: float = 0.0  # dropout on the adapter input, in [0, 1)
    # Module names to adapt; None: kiln-gpt's attention and MLP layers, or peft's per-architecture
    # default for Hugging Face models.
    lora_target_modules: list[str] | None = None

    def __post_init__(self) -> None:
        check_choice("tuning", self.tuning, TUNING)
        check_int("lora_r", self.lora_r, 1)
        check_float("lora_alpha", self.lora_alpha, low=0.0, low_open=True)
        check_float("lora_dropout", self.lora_dropout, low=0.0, high=1.0)
        modules = self.lora_target_modules
        if modules is not None and (
            not isinstance(modules, list) or not modules or not all(isinstance(m, str) and m for m in modules)
        ):
            raise ConfigError(
                "lora_target_modules", f"must be a non-empty list of module names or None, got {modules!r}"
            )
        super().__post_init__()

    def lora(self) -> LoraSettings | None:
        """The adapter settings, or None when every weight is trained."""
        if self.tuning != "lora":
            return None
        return LoraSettings(self.lora_r, self.lora_alpha, self.lora_dropout, self.lora_target_modules)


@dataclass(kw_only=True)
class TrainingArguments(OptimizerArguments, ScheduleArguments, RegularizationArguments):
    """The training arguments of every method on the Trainer base (kiln_trainer/training/trainer.py),
    with the optimizer, schedule and regularization keys of configs/techniques.py."""

    learning_rate: float = 3e-4  # peak learning rate, after warmup
    weight_decay: float = 0.0  # decay on matmul weights only (decoupled for AdamW, Lion, Sophia)
    warmup_steps: int = 10  # linear warmup in optimizer steps
    # Optimizer steps to run; overrides epochs (data repeats as needed). None: epochs decide.
    max_steps: int | None = None
    epochs: int = 1  # passes over the training data when max_steps is None
    batch_size: int = 8  # examples per micro-batch (what an example is: see the method's config)
    max_grad_norm: float = 1.0  # gradient clipping threshold (global L2 norm)
    max_seq_len: int = 256  # tokens per sequence; longer ones are truncated
    # "auto": bf16 autocast on CUDA devices that support it, else fp32; "fp32"; "bf16"; "fp16":
    # fp16 autocast with a dynamic gradient scaler (single-optimizer methods; not with L-BFGS
    # or Sophia). Meant for GPUs without bf16; CPU autocast runs it too, slowly.
    precision: str = "auto"
    val_fraction: float = 0.1  # share of train held out when there is no validation file, in [0, 0.5)
    eval_every: int = 50  # optimizer steps between validation passes
    checkpoint_every: int = 100  # optimizer steps between checkpoints
    log_every: int = 10  # optimizer steps between metric reports
    seed: int = 0  # model init (built-ins), data order, validation split, dropout
    # With several ranks: "ddp" (every rank holds the whole model) or "fsdp" (torch FSDP2: each
    # holds 1/N of the weights, gradients and optimizer state). Ignored in one process.
    sharding: str = "ddp"

    def __post_init__(self) -> None:
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_float("weight_decay", self.weight_decay, low=0.0)
        check_int("warmup_steps", self.warmup_steps, 0)
        check_optional_int("max_steps", self.max_steps, 1)
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        check_float("max_grad_norm", self.max_grad_norm, low=0.0, low_open=True)
        check_int("max_seq_len", self.max_seq_len, 8)
        check_choice("precision", self.precision, PRECISION)
        check_float("val_fraction", self.val_fraction, low=0.0, high=0.5)
        check_int("eval_every", self.eval_every, 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)
        check_int("log_every", self.log_every, 1)
        check_int("seed", self.seed, 0)
        check_choice("sharding", self.sharding, SHARDING)
        super().__post_init__()
        if self.precision == "fp16" and self.optimizer in ("lbfgs", "sophia"):
            # L-BFGS re-evaluates the loss in its line search and SophiaH differentiates the
            # gradient: neither sees through a loss scale.
            raise ConfigError("precision", f"fp16 does not combine with the {self.optimizer} optimizer")
        if self.sharding == "fsdp":
            self._check_fsdp()
        if self.optimizer == "lbfgs" and self.weight_decay:
            raise ConfigError("weight_decay", "L-BFGS takes no weight decay; set it to 0")

    def _check_fsdp(self) -> None:
        """What FSDP sharding does not run with, named at the conflicting field."""
        if self.optimizer in FSDP_REFUSED_OPTIMIZERS:
            raise ConfigError("optimizer", f"the {self.optimizer} optimizer does not run with FSDP sharding")
        if self.precision == "fp16":
            # Each rank would find inf/NaN in its own gradient slice only and skip or take the
            # step on its own: the shards would drift apart. bf16 needs no scaler.
            raise ConfigError("precision", "fp16 (a gradient scaler) does not run with FSDP sharding; use bf16")
        if self.spectral_norm:
            raise ConfigError("spectral_norm", "spectral normalisation does not run with FSDP sharding")


@dataclass(kw_only=True)
class FineTuneArguments(LoraArguments, TrainingArguments):
    """Fine-tuning a model on local JSONL files: the model, the files, LoRA and the training arguments."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("base_model", "train_path")

    # A built-in model name (kiln-gpt-tiny, kiln-gpt-small) or a local model directory
    # (kiln-gpt or Hugging Face layout).
    base_model: str
    train_path: str  # local JSONL file of the method's records
    # Local JSONL validation file; None holds out val_fraction of the training records.
    val_path: str | None = None

    def __post_init__(self) -> None:
        check_model("base_model", self.base_model)
        check_path("train_path", self.train_path)
        check_path("val_path", self.val_path, optional=True)
        super().__post_init__()
        check_context(self.base_model, self.max_seq_len)
        if self.sharding == "fsdp" and self.tuning == "lora":
            # The adapters are peft wrappers merged into the base at the end: neither is wired
            # for sharded weights, and the frozen base is what FSDP would save memory on.
            raise ConfigError("tuning", "LoRA does not run with FSDP sharding; use tuning 'full' or sharding DDP")
        if self.spectral_norm and self.tuning == "lora":
            # The adapters' base layers are frozen; normalising them would change the base model.
            raise ConfigError("spectral_norm", "needs tuning 'full', not 'lora'")
