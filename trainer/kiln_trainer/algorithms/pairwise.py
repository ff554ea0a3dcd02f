"""Fields and validation shared by the algorithms that learn from preference pairs (reward, dpo).

Torch-free, like sft.py: the gateway imports the configs to validate a job. Field names and
meanings match SFTConfig wherever the two overlap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Self

from kiln_trainer.algorithms.checks import check_context, check_float, check_int, check_tuning, config_from_dict
from kiln_trainer.algorithms.sft import PRECISION
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir


def check_model_spec(field: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(field, f"must be a model name or path, got {value!r}")
    if not is_builtin(value) and not looks_like_model_dir(value):
        raise ConfigError(
            field,
            f"{value!r} is neither a built-in model ({', '.join(BUILTIN_MODELS)}) "
            "nor a local directory with config.json and weights",
        )


@dataclass
class PairwiseConfig:
    # A built-in model name (kiln-gpt-tiny, kiln-gpt-small) or a local model directory
    # (kiln-gpt or Hugging Face layout), typically an SFT result.
    base_model: str
    # Local JSONL file of preference records: {prompt, chosen, rejected}.
    train_path: str
    # Local JSONL validation file; None holds out val_fraction of the training pairs.
    val_path: str | None = None
    val_fraction: float = 0.1  # share of train held out when val_path is None, in [0, 0.5)
    # "full" trains every weight; "lora" trains low-rank adapters, merged in when saving.
    tuning: str = "full"
    lora_r: int = 8  # adapter rank
    lora_alpha: int = 16  # adapter scale is alpha / r
    lora_dropout: float = 0.0  # dropout on the adapter input, in [0, 1)
    lora_target_modules: list[str] | None = None  # None: the model kind's default
    learning_rate: float = 1e-4  # peak learning rate, after warmup
    weight_decay: float = 0.0  # AdamW decoupled decay on matmul weights only
    warmup_steps: int = 10  # linear warmup in optimizer steps
    min_lr_ratio: float = 0.1  # the cosine ends at learning_rate * min_lr_ratio
    # Optimizer steps to run; overrides epochs (data repeats as needed). None: epochs decide.
    max_steps: int | None = None
    epochs: int = 1  # passes over the training pairs when max_steps is None
    batch_size: int = 8  # preference pairs per optimizer step (2x as many sequences)
    max_grad_norm: float = 1.0  # gradient clipping threshold (global L2 norm)
    # Tokens per sequence (prompt + one completion); longer prompts lose their start first.
    max_seq_len: int = 256
    # "auto": bf16 autocast on CUDA devices that support it, else fp32; "fp32"; "bf16".
    precision: str = "auto"
    eval_every: int = 50  # optimizer steps between validation passes
    checkpoint_every: int = 100  # optimizer steps between checkpoints
    log_every: int = 10  # optimizer steps between metric reports
    seed: int = 0  # model init (built-ins), head init, data order, validation split

    def __post_init__(self) -> None:
        check_model_spec("base_model", self.base_model)
        if not isinstance(self.train_path, str) or not self.train_path:
            raise ConfigError("train_path", f"must be a local JSONL path, got {self.train_path!r}")
        if self.val_path is not None and (not isinstance(self.val_path, str) or not self.val_path):
            raise ConfigError("val_path", f"must be a local JSONL path or None, got {self.val_path!r}")
        check_float("val_fraction", self.val_fraction, low=0.0, high=0.5)
        check_tuning(self)
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_float("weight_decay", self.weight_decay, low=0.0)
        check_int("warmup_steps", self.warmup_steps, 0)
        check_float("min_lr_ratio", self.min_lr_ratio, low=0.0, high=1.0, high_open=False)
        if self.max_steps is not None:
            check_int("max_steps", self.max_steps, 1)
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        check_float("max_grad_norm", self.max_grad_norm, low=0.0, low_open=True)
        check_int("max_seq_len", self.max_seq_len, 8)
        check_context(self.base_model, self.max_seq_len)
        if self.precision not in PRECISION:
            raise ConfigError("precision", f"must be one of {', '.join(PRECISION)}, got {self.precision!r}")
        check_int("eval_every", self.eval_every, 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)
        check_int("log_every", self.log_every, 1)
        check_int("seed", self.seed, 0)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Build from plain values; an unknown or missing required key is a ConfigError."""
        return config_from_dict(cls, d, ("base_model", "train_path"), cls.__name__)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
