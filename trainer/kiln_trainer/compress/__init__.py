"""Weight compression for exported models: quantization (int8 / int4, AWQ), pruning, export.

The heavy pieces load lazily: `from kiln_trainer.compress import export_model` imports torch only
when the name is first used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CompressError", "ExportReport", "export_model", "is_compressed", "load_compressed"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kiln_trainer.compress import export

        return getattr(export, name)
    raise AttributeError(f"module 'kiln_trainer.compress' has no attribute {name!r}")
