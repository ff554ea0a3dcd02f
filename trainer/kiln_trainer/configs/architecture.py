"""The shape of a built-in kiln-gpt model trained from fresh weights (architecture search).

Each field left None keeps the built-in's own value; a field set needs a built-in base model, since
a registered or Hugging Face model's shape is fixed by its weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_int
from kiln_trainer.configs.core import ConfigBase
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin

# Bounds: wide enough for any model a CPU or one GPU trains from scratch, tight enough that a
# typo (d_model 40960) fails at CreateJob instead of exhausting a worker's memory.
MAX_LAYERS, MIN_D_MODEL, MAX_D_MODEL, MAX_HEADS = 48, 8, 2048, 64
# Config key -> kiln-gpt GPTConfig field.
GPT_FIELDS = {"n_layers": "n_layer", "d_model": "n_embd", "n_heads": "n_head"}


@dataclass(kw_only=True)
class ArchitectureArguments(ConfigBase):
    n_layers: int | None = None  # transformer blocks, in [1, 48]
    d_model: int | None = None  # residual width, in [8, 2048], divisible by n_heads
    n_heads: int | None = None  # attention heads, in [1, 64]

    def __post_init__(self) -> None:
        bounds = (("n_layers", 1, MAX_LAYERS), ("d_model", MIN_D_MODEL, MAX_D_MODEL), ("n_heads", 1, MAX_HEADS))
        for key, low, high in bounds:
            value = getattr(self, key)
            if value is not None:
                check_int(key, value, low)
                if value > high:
                    raise ConfigError(key, f"must be <= {high}, got {value}")
        overrides = self.architecture()
        if overrides:
            base = getattr(self, "base_model", None)
            if not isinstance(base, str) or not is_builtin(base):
                key = next(k for k in GPT_FIELDS if getattr(self, k) is not None)
                raise ConfigError(key, f"applies to built-in base models ({', '.join(BUILTIN_MODELS)}) only")
            shape = {**BUILTIN_MODELS[base], **overrides}
            width, heads = int(shape["n_embd"]), int(shape["n_head"])
            if width % heads:
                key = "d_model" if self.d_model is not None else "n_heads"
                raise ConfigError(key, f"d_model {width} is not divisible by n_heads {heads}")
        super().__post_init__()

    def architecture(self) -> dict[str, int]:
        """The fields set, as GPTConfig overrides ({} keeps the built-in as it is)."""
        return {gpt: getattr(self, key) for key, gpt in GPT_FIELDS.items() if getattr(self, key) is not None}
