"""Mixed precision: the dtype a run's forward passes autocast to, and the gradient scaler fp16 needs."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager

import torch


def use_bf16(precision: str, device: torch.device) -> bool:
    """precision "bf16" always; "auto" on CUDA devices that support it; "fp32" and "fp16" never."""
    if precision == "bf16":
        return True
    return precision == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported()


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The dtype forward passes autocast to (None: plain fp32); weights stay fp32 either way."""
    if precision == "fp16":
        return torch.float16
    return torch.bfloat16 if use_bf16(precision, device) else None


def autocast(dtype: torch.dtype | None, device: torch.device) -> AbstractContextManager[object]:
    """Autocast to `dtype` on `device`, or nothing when None."""
    if dtype is not None:
        return torch.autocast(device_type=device.type, dtype=dtype)
    return contextlib.nullcontext()


def grad_scaler(precision: str, device: torch.device) -> torch.amp.GradScaler | None:
    """A dynamic loss scaler for fp16, None otherwise.

    fp16 keeps 5 exponent bits: small gradients underflow to zero unless the loss is scaled up
    before backward (and the gradients unscaled before clipping). The scaler also skips a step
    whose gradients hold inf/NaN and halves its scale; bf16 has fp32's range and needs none.
    """
    if precision != "fp16":
        return None
    return torch.amp.GradScaler(device.type)
