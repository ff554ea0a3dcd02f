"""Mixed precision: whether a run computes in bf16, and the autocast context for its forward passes."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager

import torch


def use_bf16(precision: str, device: torch.device) -> bool:
    """precision "bf16" always; "auto" on CUDA devices that support it; "fp32" never."""
    if precision == "bf16":
        return True
    return precision == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported()


def autocast(bf16: bool, device: torch.device) -> AbstractContextManager[object]:
    """bf16 autocast on `device` when `bf16`, else nothing: weights stay fp32 either way."""
    if bf16:
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
