"""Validation shared by the trainer configs: typed range checks and building a config from a dict.

Every check raises ConfigError(field, message) with the offending value in the message; the
gateway turns that into a field violation at the field's path in the request.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any, TypeVar

from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin

T = TypeVar("T")


def check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(name, f"must be >= {minimum}, got {value!r}")


def check_float(
    name: str, value: Any, *, low: float, high: float | None = None, low_open: bool = False, high_open: bool = True
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(name, f"must be a number, got {value!r}")
    if value < low or (low_open and value == low):
        raise ConfigError(name, f"must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ConfigError(name, f"must be {'<' if high_open else '<='} {high}, got {value!r}")


TUNING = ("full", "lora")


def check_tuning(cfg: Any) -> None:
    """tuning and the LoRA fields (lora_r, lora_alpha, lora_dropout, lora_target_modules)."""
    if cfg.tuning not in TUNING:
        raise ConfigError("tuning", f"must be one of {', '.join(TUNING)}, got {cfg.tuning!r}")
    check_int("lora_r", cfg.lora_r, 1)
    check_float("lora_alpha", cfg.lora_alpha, low=0.0, low_open=True)
    check_float("lora_dropout", cfg.lora_dropout, low=0.0, high=1.0)
    modules = cfg.lora_target_modules
    if modules is not None and (
        not isinstance(modules, list) or not modules or not all(isinstance(m, str) and m for m in modules)
    ):
        raise ConfigError("lora_target_modules", f"must be a non-empty list of module names or None, got {modules!r}")


def check_context(base_model: str, max_seq_len: int) -> None:
    """max_seq_len must fit a built-in model's context (other models are checked once loaded)."""
    if is_builtin(base_model):
        limit = int(BUILTIN_MODELS[base_model]["block_size"])
        if max_seq_len > limit:
            raise ConfigError("max_seq_len", f"{max_seq_len} exceeds {base_model}'s context of {limit} tokens")


def config_from_dict(cls: type[T], d: dict[str, Any], required: tuple[str, ...], label: str) -> T:
    """`cls(**d)`, but an unknown or missing required key is a ConfigError naming it."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    for key in d:
        if key not in known:
            raise ConfigError(key, f"unknown {label} field (known: {', '.join(sorted(known))})")
    for key in required:
        if key not in d:
            raise ConfigError(key, "required")
    return cls(**d)
