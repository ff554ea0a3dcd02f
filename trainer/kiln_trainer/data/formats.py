"""Validators for the JSONL record formats Kiln accepts (torch-free: the gateway checks uploads).

    sft         {"prompt": str, "completion": str}
                or {"messages": [{"role": "system"|"user"|"assistant", "content": str}, ...]}
                with at least one assistant message
    preference  {"prompt": str, "chosen": str, "rejected": str}
    prompts     {"prompt": str}
    image       {"png": base64 PNG, "label": int (optional)}; see data/images.py

Strings must be non-empty (whitespace-only counts as empty). Keys beyond these are allowed and
ignored, so records may carry ids or metadata.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMATS = ("sft", "preference", "prompts", "image")
ROLES = ("system", "user", "assistant")


class RecordError(ValueError):
    """A record does not match its format.

    `field` names the offending key (e.g. "messages[1].role"); `line` is the 1-based JSONL line
    when known.
    """

    def __init__(self, field: str, message: str, line: int | None = None):
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{field}: {message}")
        self.field = field
        self.message = message
        self.line = line


def _require_text(obj: dict, key: str, field: str | None = None) -> None:
    field = field or key
    if key not in obj:
        raise RecordError(field, "missing")
    value = obj[key]
    if not isinstance(value, str):
        raise RecordError(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise RecordError(field, "must be a non-empty string")


def _validate_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise RecordError("messages", "must be a non-empty list of {role, content} objects")
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise RecordError(where, f"must be an object, got {type(m).__name__}")
        role = m.get("role")
        if role not in ROLES:
            raise RecordError(f"{where}.role", f"must be one of {', '.join(ROLES)}, got {role!r}")
        _require_text(m, "content", f"{where}.content")
    if not any(m["role"] == "assistant" for m in messages):
        raise RecordError("messages", "needs at least one assistant message to learn from")


def validate_record(fmt: str, obj: Any) -> None:
    """Raise RecordError if `obj` (a parsed JSON value) is not a valid `fmt` record."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown record format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "image":
        from kiln_trainer.data.images import validate_image_record

        validate_image_record(obj)
        return
    if not isinstance(obj, dict):
        raise RecordError("record", f"must be a JSON object, got {type(obj).__name__}")
    if fmt == "sft":
        if "messages" in obj:
            if "prompt" in obj or "completion" in obj:
                raise RecordError("messages", "use either messages or prompt/completion, not both")
            _validate_messages(obj["messages"])
        else:
            _require_text(obj, "prompt")
            _require_text(obj, "completion")
    elif fmt == "preference":
        for key in ("prompt", "chosen", "rejected"):
            _require_text(obj, key)
    else:
        _require_text(obj, "prompt")


def iter_jsonl(path: str | Path, fmt: str) -> Iterator[dict]:
    """Parse and validate a JSONL file; blank lines are skipped, errors carry the line number."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise RecordError("record", f"invalid JSON ({e.msg})", line=n) from None
            try:
                validate_record(fmt, obj)
            except RecordError as e:
                raise RecordError(e.field, e.message, line=n) from None
            yield obj


def read_jsonl(path: str | Path, fmt: str) -> list[dict]:
    return list(iter_jsonl(path, fmt))
