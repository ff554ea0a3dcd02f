"""Dequantize-then-matmul in plain torch: the fallback path and the tests' reference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kiln_trainer.compress.quantize import dequantize_int4, dequantize_int8


def dequant_matmul(
    x: torch.Tensor,
    qweight: torch.Tensor,
    scales: torch.Tensor,
    *,
    bits: int,
    group_size: int,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """(..., K) x -> (..., N), computed in float32 and returned in x's dtype."""
    if bits == 8:
        w = dequantize_int8(qweight, scales)
    elif bits == 4:
        w = dequantize_int4(qweight, scales, group_size)
    else:
        raise ValueError(f"bits must be 8 or 4, got {bits!r}")
    b = None if bias is None else bias.float()
    return F.linear(x.float(), w.to(x.device), b).to(x.dtype)
