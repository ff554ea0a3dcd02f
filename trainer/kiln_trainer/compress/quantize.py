"""Weight-only quantization as pure tensor functions: int8 per output channel, int4 per group.

Layouts (what the kernels in trainer/kiln_trainer/kernels read):
- int8: qweight int8 (N, K), scales float32 (N,); W[n, k] ~= qweight[n, k] * scales[n].
- int4: qweight uint8 (N, K // 2), scales float32 (N, K // group_size);
  W[n, k] ~= (nibble(n, k) - 8) * scales[n, k // group_size], where byte (n, j) holds column
  2j in its low nibble and column 2j + 1 in its high nibble. Storing q + 8 (offset binary)
  keeps each nibble unsigned, so unpacking is a mask and a shift.

Both schemes are symmetric (no zero point): the matmul then needs only one scale per group,
which is what `kiln_trainer.kernels.quant_matmul(x, qweight, scales, ...)` takes.

Activation-aware scaling (AWQ): channels that see large activations matter more to the output,
so before quantizing, W's input columns are multiplied by s = mean|x|^alpha and the activation
is divided by s (exact in real arithmetic); the quantization grid then spends its resolution on
the columns that carry the signal. alpha is grid-searched per layer on calibration activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

INT4_GROUP_SIZES = (32, 64, 128)
_INT8_MAX = 127
_INT4_MIN, _INT4_MAX = -8, 7
# Candidate clipping ratios for int4: clipping the few largest weights of a group buys a finer
# grid for all the others, which usually lowers the group's squared error.
_INT4_CLIP_RATIOS = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75)


def check_int4_shape(k: int, group_size: int) -> None:
    if group_size not in INT4_GROUP_SIZES:
        raise ValueError(f"int4 group_size must be one of {INT4_GROUP_SIZES}, got {group_size}")
    if k % group_size:
        raise ValueError(f"in_features {k} is not a multiple of group_size {group_size}")


# ---------------------------------------------------------------------------------------- int8


def quantize_int8(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, K) float weight -> int8 (N, K) and float32 scales (N,), symmetric per output row."""
    w = w.detach().float()
    absmax = w.abs().amax(dim=1)  # (N,)
    scales = absmax / _INT8_MAX
    # An all-zero row (e.g. pruned) keeps scale 0 and quantizes to zeros; avoid 0 / 0.
    q = torch.round(w / scales.clamp_min(torch.finfo(torch.float32).tiny)[:, None])
    return q.clamp_(-_INT8_MAX, _INT8_MAX).to(torch.int8), scales


def dequantize_int8(qweight: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
    """int8 (N, K), scales (N,) -> float32 (N, K)."""
    return qweight.float() * scales.float()[:, None]


# ---------------------------------------------------------------------------------------- int4


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """Signed values in [-8, 7], (N, K) with K even -> uint8 (N, K // 2), two per byte."""
    if q.shape[-1] % 2:
        raise ValueError(f"int4 packing needs an even number of columns, got {q.shape[-1]}")
    u = (q.to(torch.int16) - _INT4_MIN).to(torch.uint8)  # offset binary, 0..15
    return u[..., 0::2] | (u[..., 1::2] << 4)


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """uint8 (N, K // 2) -> int8 (N, K) signed values in [-8, 7]."""
    lo = (packed & 0x0F).to(torch.int8) + _INT4_MIN
    hi = (packed >> 4).to(torch.int8) + _INT4_MIN
    return torch.stack([lo, hi], dim=-1).flatten(-2)  # interleave: (N, K//2, 2) -> (N, K)


def _int4_codes(w: torch.Tensor, scales: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N, K) weight and (N, G) scales -> (N, K) signed codes in [-8, 7]."""
    n, k = w.shape
    wg = w.view(n, k // group_size, group_size)
    q = torch.round(wg / scales.clamp_min(torch.finfo(torch.float32).tiny)[..., None])
    return q.clamp_(_INT4_MIN, _INT4_MAX).view(n, k)


def quantize_int4(
    w: torch.Tensor, group_size: int = 128, *, clip_search: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, K) float weight -> packed uint8 (N, K // 2) and float32 scales (N, K // group_size).

    Each group's scale maps its largest magnitude (times the best clip ratio when
    `clip_search`) to 7; the ratio is picked per group to minimise that group's squared error.
    """
    w = w.detach().float()
    n, k = w.shape
    check_int4_shape(k, group_size)
    wg = w.view(n, k // group_size, group_size)  # (N, G, gs)
    absmax = wg.abs().amax(dim=-1)  # (N, G)
    ratios = _INT4_CLIP_RATIOS if clip_search else (1.0,)
    best_scales, best_err = None, None
    for r in ratios:
        scales = absmax * r / _INT4_MAX
        q = _int4_codes(w, scales, group_size).view(n, -1, group_size)
        err = (q * scales[..., None] - wg).pow(2).sum(dim=-1)  # (N, G)
        if best_scales is None:
            best_scales, best_err = scales, err
        else:
            better = err < best_err
            best_scales = torch.where(better, scales, best_scales)
            best_err = torch.where(better, err, best_err)
    return pack_int4(_int4_codes(w, best_scales, group_size)), best_scales


def dequantize_int4(packed: torch.Tensor, scales: torch.Tensor, group_size: int) -> torch.Tensor:
    """uint8 (N, K // 2), scales (N, K // group_size) -> float32 (N, K)."""
    q = unpack_int4(packed).float()
    n, k = q.shape
    return (q.view(n, k // group_size, group_size) * scales.float()[..., None]).view(n, k)


# ------------------------------------------------------------------------------------- generic


@dataclass(frozen=True)
class QuantSpec:
    bits: int  # 8 or 4
    group_size: int = 128  # int4 only; int8 is always per output row

    def __post_init__(self) -> None:
        if self.bits not in (4, 8):
            raise ValueError(f"bits must be 4 or 8, got {self.bits!r}")
        if self.bits == 4 and self.group_size not in INT4_GROUP_SIZES:
            raise ValueError(f"int4 group_size must be one of {INT4_GROUP_SIZES}, got {self.group_size!r}")

    def fits(self, in_features: int) -> bool:
        """Whether a layer with this many input columns can use the spec."""
        return self.bits == 8 or in_features % self.group_size == 0


def quantize(w: torch.Tensor, spec: QuantSpec) -> tuple[torch.Tensor, torch.Tensor]:
    if spec.bits == 8:
        return quantize_int8(w)
    return quantize_int4(w, spec.group_size)


def dequantize(qweight: torch.Tensor, scales: torch.Tensor, spec: QuantSpec) -> torch.Tensor:
    if spec.bits == 8:
        return dequantize_int8(qweight, scales)
    return dequantize_int4(qweight, scales, spec.group_size)


def fake_quantize(w: torch.Tensor, spec: QuantSpec) -> torch.Tensor:
    """The float weight the quantized one stands for: dequantize(quantize(w))."""
    return dequantize(*quantize(w, spec), spec)


# -------------------------------------------------------------------------------------- AWQ


@dataclass(frozen=True)
class AWQResult:
    input_scale: torch.Tensor  # (K,) s; quantize W * s and feed x / s
    alpha: float  # the exponent that won the grid search (0.0 means plain quantization)
    error: float  # mean squared output error with this s
    baseline_error: float  # the same error without scaling (alpha = 0)


def awq_scale_search(w: torch.Tensor, x: torch.Tensor, spec: QuantSpec, *, grid: int = 20) -> AWQResult:
    """Per-input-channel scales for (N, K) weight `w` from calibration activations x (T, K).

    s = mean|x|^alpha, normalised so that sqrt(max(s) * min(s)) = 1 (keeps W * s near W's
    range), for alpha in {0, 1/grid, ..., 1}; the alpha with the smallest
    || x W^T - (x / s) Q(W * s)^T ||^2 / numel wins. alpha = 0 is s = 1, so the result is
    never worse than plain quantization on the calibration set.
    """
    w = w.detach().float()
    x = x.detach().float().reshape(-1, w.shape[1])  # (T, K)
    ref = x @ w.T  # (T, N)
    act = x.abs().mean(dim=0).clamp_min(1e-8)  # (K,)
    best: tuple[float, float, torch.Tensor] | None = None
    baseline = float("nan")
    for i in range(grid + 1):
        alpha = i / grid
        s = act.pow(alpha)
        s = s / (s.max() * s.min()).sqrt()
        wq = fake_quantize(w * s, spec)  # (N, K), columns carry s
        err = float((((x / s) @ wq.T) - ref).pow(2).mean())
        if i == 0:
            baseline = err
        if best is None or err < best[1]:
            best = (alpha, err, s)
    alpha, err, s = best
    return AWQResult(input_scale=s, alpha=alpha, error=err, baseline_error=baseline)
