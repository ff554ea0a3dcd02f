"""Weight-only quantized matmul: one entry point, three implementations.

`quant_matmul(x, qweight, scales, bits=..., group_size=...)` computes
x @ dequantize(qweight, scales)^T (+ bias) for the layouts of trainer/kiln_trainer/compress/quantize.py:
- the CUDA kernels when x is on a GPU and the extension builds;
- else the C++ CPU kernel (built on first use, see build.py), by default with int8 activations
  quantized per row inside the call (KILN_CPU_KERNEL_ACT=fp32 keeps them exact);
- else the pure-torch dequantize-then-matmul (reference.py).
The extensions compute in float32; the result comes back in x's dtype.
"""

from __future__ import annotations

import weakref

import torch

from kiln_trainer.kernels.build import cpu_extension, cuda_extension
from kiln_trainer.kernels.reference import dequant_matmul

__all__ = ["backend_for", "cpu_isa", "cpu_kernel_path", "dequant_matmul", "int8_col_sums", "quant_matmul"]


def backend_for(x: torch.Tensor) -> str:
    """Which implementation quant_matmul will use for x: "cuda", "cpu" or "torch"."""
    if x.is_cuda:
        return "cuda" if cuda_extension() is not None else "torch"
    return "cpu" if cpu_extension() is not None else "torch"


def cpu_isa() -> str | None:
    """The CPU kernel's decode path ("avx512", "avx2" or "scalar"), None without the kernel."""
    ext = cpu_extension()
    return None if ext is None else str(ext.isa())


def cpu_kernel_path() -> str | None:
    """The CPU kernel that runs now, e.g. "avx512-vnni/int8-act" or "avx2/fp32-act"; None without it."""
    ext = cpu_extension()
    return None if ext is None else str(ext.kernel_path())


# id(qweight) -> (weak reference, version, column sums): see int8_col_sums.
_COL_SUMS: dict[int, tuple[weakref.ref, int, torch.Tensor]] = {}


def _version(t: torch.Tensor) -> int:
    try:
        return t._version
    except RuntimeError:  # inference tensors keep no version counter (and cannot be modified)
        return -1


def int8_col_sums(qweight: torch.Tensor) -> torch.Tensor:
    """sum_k qweight[n, k] as int32 (N,), computed once per weight tensor and kept while it lives.

    The VNNI kernel needs it (its u8 x s8 instruction reads the activations offset by +128, and
    128 * this sum takes the offset back out); summing the weight on every call would read it
    twice. The cache is keyed by the tensor object and its version, so an in-place update of
    the weight (load_state_dict copies into it) recomputes the sums.
    """
    key, version = id(qweight), _version(qweight)
    hit = _COL_SUMS.get(key)
    if hit is not None and hit[0]() is qweight and hit[1] == version:
        return hit[2]
    sums = qweight.sum(dim=1, dtype=torch.int32)

    def forget(_: weakref.ref) -> None:  # the weight is gone: so is its entry
        _COL_SUMS.pop(key, None)

    _COL_SUMS[key] = (weakref.ref(qweight, forget), version, sums)
    return sums


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
    if backend == "cpu":
        sums = int8_col_sums(qweight) if bits == 8 else None
        y = ext.quant_matmul(x2, qweight, scales, bits, group_size, bias, sums)  # (M, N) float32
    else:
        y = ext.quant_matmul(x2, qweight, scales, bits, group_size, bias)
    if x.dim() != 2:
        y = y.view(*x.shape[:-1], y.shape[-1])
    # Per-token decode calls this dozens of times per token: skip no-op conversions.
    return y if x.dtype == torch.float32 else y.to(x.dtype)
