"""Names of the built-in models and cheap checks for local model directories (torch-free)."""

from __future__ import annotations

import json
from pathlib import Path

# Configs for kiln_trainer.models.gpt.GPTConfig. vocab_size matches the shipped tokenizer.
BUILTIN_MODELS: dict[str, dict[str, int | float | bool]] = {
    # ~1.1M parameters: small enough for unit tests and CPU demos.
    "kiln-gpt-tiny": {
        "vocab_size": 2048,
        "block_size": 256,
        "n_layer": 4,
        "n_head": 4,
        "n_embd": 128,
        "dropout": 0.0,
        "bias": True,
    },
    # ~11M parameters: the benchmark model; still trains at a few thousand tokens/s on a CPU.
    "kiln-gpt-small": {
        "vocab_size": 2048,
        "block_size": 512,
        "n_layer": 6,
        "n_head": 6,
        "n_embd": 384,
        "dropout": 0.0,
        "bias": True,
    },
}

_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


def is_builtin(name: str) -> bool:
    return name in BUILTIN_MODELS


def looks_like_model_dir(path: str | Path) -> bool:
    """True if `path` is a directory with a config.json and weights (single file or sharded)."""
    p = Path(path)
    if not (p.is_dir() and (p / "config.json").is_file()):
        return False
    return any((p / f).is_file() for f in _WEIGHT_FILES) or any(p.glob("*.safetensors"))


REWARD_MODEL_TYPE = "kiln-reward-model"  # config.json model_type of a reward model directory


def is_reward_model_dir(path: str | Path) -> bool:
    """True if `path` holds a reward model (a REWARD_MODEL job's output), by its config.json."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    try:
        return json.loads(config.read_text()).get("model_type") == REWARD_MODEL_TYPE
    except (OSError, ValueError):
        return False
