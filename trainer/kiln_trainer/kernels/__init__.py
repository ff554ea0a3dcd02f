"""Weight-only quantized matmul: one entry point, three implementations.

`quant_matmul(x, qweight, scales, bits=..., group_size=...)` computes
x @ dequantize(qweight, scales)^T (+ bias) for the layouts of trainer/kiln_trainer/compress/quantize.py:
- the CUDA kernels when x is on a GPU and the extension builds;
- else the C++ CPU kernel (built on first use, see build.py);
- else the pure-torch dequantize-then-matmul (reference.py).
The extensions compute in float32; the result comes back in x's dtype.
"""

from __future__ import annotations

import torch

from kiln_trainer.kernels.build import cpu_extension, cuda_extension
from kiln_trainer.kernels.reference import dequant_matmul

__all__ = ["backend_for", "cpu_isa", "dequant_matmul", "quant_matmul"]


def backend_for(x: torch.Tensor) -> str:
    """Which implementation quant_matmul will use for x: "cuda", "cpu" or "torch"."""
    if x.is_cuda:
        return "cuda" if cuda_extension() is not None else "torch"
    return "cpu" if cpu_extension() is not None else "torch"


def cpu_isa() -> str | None:
    """The CPU kernel's decode path ("avx512", "avx2" or "scalar"), None without the kernel."""
    ext = cpu_extension()
    return None if ext is None else str(ext.isa())


def quant_matmul(
    x: torch.Tensor,
    qweight: torch.Tensor,
    scales: torch.Tensor,
    *,
    bits: int,
    group_size: int,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """(..., K) activations -> (..., N) outputs through an int8 or int4 weight."""
    backend = backend_for(x)
    if backend == "torch":
        return dequant_matmul(x, qweight, scales, bits=bits, group_size=group_size, bias=bias)
    ext = cuda_extension() if backend == "cuda" else cpu_extension()
    assert ext is not None  # backend_for said it built
    x2 = x.reshape(-1, x.shape[-1])  # (M, K)
    if x2.dtype != torch.float32:
        x2 = x2.float()
    if scales.dtype != torch.float32:
        scales = scales.float()
    y = ext.quant_matmul(x2, qweight, scales, bits, group_size, bias)  # (M, N) float32
    if x.dim() != 2:
        y = y.view(*x.shape[:-1], y.shape[-1])
    # Per-token decode calls this dozens of times per token: skip no-op conversions.
    return y if x.dtype == torch.float32 else y.to(x.dtype)
