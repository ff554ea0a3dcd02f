"""Checkpoint directories: trainable weights, optimizer and scheduler, RNG states, loop state.

Layout of a checkpoint directory:
    weights.safetensors       trainable parameters only (all of them, or just LoRA's)
    best_weights.safetensors  the best-validation weights so far, when early stopping tracks them
    optim.pt                  {"optimizers": {name: ...}, "schedulers": {name: ...}} state dicts
    rng.pt                    torch (+ CUDA), Python and NumPy RNG states
    state.json                step, data position, metric history, early-stopping state, config
    ...                       files a method adds (e.g. DPO's reference log-probs)
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

WEIGHTS_FILE = "weights.safetensors"
BEST_WEIGHTS_FILE = "best_weights.safetensors"
OPTIM_FILE = "optim.pt"
RNG_FILE = "rng.pt"
STATE_FILE = "state.json"


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Detached CPU copies of the parameters being trained (tied weights appear once)."""
    return {n: p.detach().to("cpu", copy=True) for n, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    expected = {n for n, p in params.items() if p.requires_grad}
    if set(state) != expected:
        missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
        raise ValueError(f"checkpoint does not match the model: missing {missing[:5]}, unexpected {extra[:5]}")
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)


def capture_rng() -> dict[str, Any]:
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        # NumPy's state holds an ndarray; as a list it loads under torch.load(weights_only=True).
        "numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
    }


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), *rest))


def save_training_state(
    out: Path,
    *,
    weights: dict[str, torch.Tensor],
    optim: dict[str, Any],
    best_weights: dict[str, torch.Tensor] | None = None,
) -> None:
    """Write a checkpoint's weights, optimizer state and RNG states into `out` (the loop adds
    state.json). `optim` holds state dicts, e.g. {"optimizers": {...}, "schedulers": {...}}."""
    out.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(out / WEIGHTS_FILE))
    best = out / BEST_WEIGHTS_FILE
    if best_weights is not None:
        save_file(best_weights, str(best))
    else:
        best.unlink(missing_ok=True)  # the directory is reused between checkpoints
    torch.save(optim, out / OPTIM_FILE)
    torch.save(capture_rng(), out / RNG_FILE)


def load_training_state(path: Path) -> dict[str, Any]:
    """What save_training_state wrote, as plain objects (tensors on the CPU); RNGs not yet restored."""
    best = path / BEST_WEIGHTS_FILE
    return {
        "weights": load_file(str(path / WEIGHTS_FILE)),
        "best_weights": load_file(str(best)) if best.exists() else None,
        "optim": torch.load(path / OPTIM_FILE, map_location="cpu", weights_only=True),
        "rng": torch.load(path / RNG_FILE, map_location="cpu", weights_only=True),
    }
