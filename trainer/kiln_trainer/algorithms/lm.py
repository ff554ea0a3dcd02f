"""What the language-model methods share: loading models and record files with errors that name
the config field at fault."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiln_trainer.data.formats import RecordError, read_jsonl
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.loader import LoadedModel, load_causal_lm


@contextmanager
def loading(field: str, spec: str) -> Iterator[None]:
    """Turns a model that fails to load (unreadable files, a bad config) into a ConfigError on `field`."""
    try:
        yield
    except (OSError, ValueError) as e:
        raise ConfigError(field, f"cannot load {spec!r}: {e}") from e


def load_lm(spec: str, field: str, seed: int = 0, architecture: dict[str, int] | None = None) -> LoadedModel:
    with loading(field, spec):
        return load_causal_lm(spec, seed=seed, architecture=architecture)


def check_fits(max_seq_len: int, limit: int, whose: str = "the model's") -> None:
    """max_seq_len against a loaded model's context (the config checked built-ins already)."""
    if max_seq_len > limit:
        raise ConfigError("max_seq_len", f"{max_seq_len} exceeds {whose} context of {limit} tokens")


def read_records(path: str, field: str, fmt: str) -> list[dict[str, Any]]:
    """The records of a JSONL file in format `fmt`; a missing file or bad record is a ConfigError."""
    try:
        return read_jsonl(path, fmt)
    except FileNotFoundError:
        raise ConfigError(field, f"no such file: {path}") from None
    except RecordError as e:
        raise ConfigError(field, f"{path}: {e}") from None
