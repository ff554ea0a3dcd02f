"""ConfigBase: the root of every config's `__post_init__` chain (configs/base.py explains the parts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self

from kiln_trainer.errors import ConfigError


@dataclass(kw_only=True)
class ConfigBase:
    """from_dict/to_dict for any config, and the end of the `__post_init__` chain."""

    REQUIRED: ClassVar[tuple[str, ...]] = ()  # keys from_dict insists on
    LABEL: ClassVar[str | None] = None  # the config's name in error messages; None: the class name

    def __post_init__(self) -> None:
        pass

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Build from plain values; an unknown or missing required key is a ConfigError naming it."""
        known = {f.name for f in fields(cls)}
        for key in d:
            if key not in known:
                raise ConfigError(key, f"unknown {cls.LABEL or cls.__name__} field (known: {', '.join(sorted(known))})")
        for key in cls.REQUIRED:
            if key not in d:
                raise ConfigError(key, "required")
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
