"""Validation shared by the trainer configs: typed range checks and model and file references.

Every check raises ConfigError(field, message) with the offending value in the message; the
gateway turns that into a field violation at the field's path in the request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir


def check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(name, f"must be >= {minimum}, got {value!r}")


def check_optional_int(name: str, value: Any, minimum: int) -> None:
    if value is not None:
        check_int(name, value, minimum)


def check_float(
    name: str, value: Any, *, low: float, high: float | None = None, low_open: bool = False, high_open: bool = True
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(name, f"must be a number, got {value!r}")
    if value < low or (low_open and value == low):
        raise ConfigError(name, f"must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ConfigError(name, f"must be {'<' if high_open else '<='} {high}, got {value!r}")


def check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(name, f"must be true or false, got {value!r}")


def check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}, got {value!r}")


def check_path(name: str, value: Any, *, optional: bool = False) -> None:
    """A local JSONL file name (existence is checked when the trainer opens it)."""
    if optional and value is None:
        return
    if not isinstance(value, str) or not value:
        raise ConfigError(name, f"must be a local JSONL path{' or None' if optional else ''}, got {value!r}")


def check_model(name: str, value: Any) -> None:
    """A built-in model name or a local model directory (whether it loads is checked on load)."""
    if not isinstance(value, str) or not value:
        raise ConfigError(name, f"must be a model name or path, got {value!r}")
    if not is_builtin(value) and not looks_like_model_dir(value):
        raise ConfigError(
            name,
            f"{value!r} is neither a built-in model ({', '.join(BUILTIN_MODELS)}) "
            "nor a local directory with config.json and weights",
        )


def check_context(base_model: str, max_seq_len: int) -> None:
    """max_seq_len must fit a built-in model's context (other models are checked once loaded)."""
    if is_builtin(base_model):
        limit = int(BUILTIN_MODELS[base_model]["block_size"])
        if max_seq_len > limit:
            raise ConfigError("max_seq_len", f"{max_seq_len} exceeds {base_model}'s context of {limit} tokens")
