"""Causal language models Kiln trains: the built-in kiln-gpt family and local Hugging Face models.

Kept torch-free so the gateway can import the light names (`BUILTIN_MODELS`, `is_builtin`,
`looks_like_model_dir`) without paying for torch; the heavy modules are imported by path.
"""

from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir

__all__ = ["BUILTIN_MODELS", "is_builtin", "looks_like_model_dir"]
