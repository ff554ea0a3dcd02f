"""Supervised fine-tuning of a causal LM on prompt/completion or chat records.

`SFTConfig` is validated on construction (ConfigError names the field); `train(config, ctx)`
runs the job against a TrainContext and returns a TrainResult. Torch is imported inside
`train`, so this module is cheap to import for its config.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from kiln_trainer.algorithms.checks import check_context, check_float, check_int, check_tuning, config_from_dict
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

PRECISION = ("auto", "fp32", "bf16")


@dataclass
class SFTConfig:
    # A built-in model name (kiln-gpt-tiny, kiln-gpt-small) or a local model directory
    # (kiln-gpt or Hugging Face layout).
    base_model: str
    # Local JSONL file of sft records: {prompt, completion} or {messages: [...]}.
    train_path: str
    # Local JSONL validation file; None holds out val_fraction of the training records.
    val_path: str | None = None
    # "full" trains every weight; "lora" trains low-rank adapters, merged in when saving.
    tuning: str = "full"
    lora_r: int = 8  # adapter rank
    lora_alpha: int = 16  # adapter scale is alpha / r
    lora_dropout: float = 0.0  # dropout on the adapter input, in [0, 1)
    # Module names to adapt; None: kiln-gpt's attention and MLP layers, or peft's per-architecture
    # default for Hugging Face models.
    lora_target_modules: list[str] | None = None
    learning_rate: float = 3e-4  # peak learning rate, after warmup
    weight_decay: float = 0.0  # AdamW decoupled decay on matmul weights only
    warmup_steps: int = 10  # linear warmup in optimizer steps
    min_lr_ratio: float = 0.1  # the cosine ends at learning_rate * min_lr_ratio
    # Optimizer steps to run; overrides epochs (data repeats as needed). None: epochs decide.
    max_steps: int | None = None
    epochs: int = 1  # passes over the training data when max_steps is None
    # Rows per micro-batch. With packing a row holds several examples, up to max_seq_len tokens.
    batch_size: int = 8
    grad_accum_steps: int = 1  # micro-batches per optimizer step
    max_grad_norm: float = 1.0  # gradient clipping threshold (global L2 norm)
    max_seq_len: int = 256  # longer examples are truncated; also the packed row length
    packing: bool = True  # pack several examples per row (falls back if the model can't)
    # "auto": bf16 autocast on CUDA devices that support it, else fp32; "fp32"; "bf16".
    precision: str = "auto"
    val_fraction: float = 0.1  # share of train held out when val_path is None, in [0, 0.5)
    eval_every: int = 50  # optimizer steps between validation passes
    # Stop after this many evaluations without a new best val loss and keep the best
    # weights; None disables early stopping.
    early_stopping_patience: int | None = None
    checkpoint_every: int = 100  # optimizer steps between checkpoints
    log_every: int = 10  # optimizer steps between metric reports
    seed: int = 0  # model init (built-ins), data order, validation split, dropout

    def __post_init__(self) -> None:
        if not isinstance(self.base_model, str) or not self.base_model:
            raise ConfigError("base_model", f"must be a model name or path, got {self.base_model!r}")
        if not is_builtin(self.base_model) and not looks_like_model_dir(self.base_model):
            raise ConfigError(
                "base_model",
                f"{self.base_model!r} is neither a built-in model ({', '.join(BUILTIN_MODELS)}) "
                "nor a local directory with config.json and weights",
            )
        if not isinstance(self.train_path, str) or not self.train_path:
            raise ConfigError("train_path", f"must be a local JSONL path, got {self.train_path!r}")
        if self.val_path is not None and (not isinstance(self.val_path, str) or not self.val_path):
            raise ConfigError("val_path", f"must be a local JSONL path or None, got {self.val_path!r}")
        check_tuning(self)
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_float("weight_decay", self.weight_decay, low=0.0)
        check_int("warmup_steps", self.warmup_steps, 0)
        check_float("min_lr_ratio", self.min_lr_ratio, low=0.0, high=1.0, high_open=False)
        if self.max_steps is not None:
            check_int("max_steps", self.max_steps, 1)
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        check_int("grad_accum_steps", self.grad_accum_steps, 1)
        check_float("max_grad_norm", self.max_grad_norm, low=0.0, low_open=True)
        check_int("max_seq_len", self.max_seq_len, 8)
        check_context(self.base_model, self.max_seq_len)
        if not isinstance(self.packing, bool):
            raise ConfigError("packing", f"must be true or false, got {self.packing!r}")
        if self.precision not in PRECISION:
            raise ConfigError("precision", f"must be one of {', '.join(PRECISION)}, got {self.precision!r}")
        check_float("val_fraction", self.val_fraction, low=0.0, high=0.5)
        check_int("eval_every", self.eval_every, 1)
        if self.early_stopping_patience is not None:
            check_int("early_stopping_patience", self.early_stopping_patience, 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)
        check_int("log_every", self.log_every, 1)
        check_int("seed", self.seed, 0)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SFTConfig:
        """Build from plain values; an unknown or missing required key is a ConfigError."""
        return config_from_dict(cls, d, ("base_model", "train_path"), "SFT config")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train(config: SFTConfig, ctx: TrainContext) -> TrainResult:
    """Fine-tune `config.base_model` on `config.train_path` (the loop: sft_run.py).

    Raises ConfigError for problems only visible once data and model are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.sft_run import SFTRun

    return SFTRun(config, ctx).run()
