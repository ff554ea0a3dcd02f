"""Quantized matmul kernels against dequantize-then-matmul (trainer/kiln_trainer/kernels/reference.py).

Tolerances:
- fp32 activations: the kernels and the reference multiply the same dequantized values in
  float32 but sum in a different order, so they differ by rounding only:
  |diff| <= 1e-4 * (1 + |ref|) per output for these sizes (K <= 4096, unit-scale inputs).
- int8 activations (the CPU default): each activation row is rounded to a multiple of its
  scale sx = max|x| / 127, an error of at most sx / 2 per element, so output n of row m moves
  by at most sx_m / 2 * sum_k |W[n, k]| (W dequantized), plus the same float rounding. The
  bound is exact, not statistical; the integer dots themselves are exact, so every ISA path
  gives the same int8 result bit for bit.
"""

import functools

import pytest
import torch

from kiln_trainer.compress.quantize import dequantize_int4, dequantize_int8, quantize_int4, quantize_int8
from kiln_trainer.kernels import backend_for, cpu_kernel_path, dequant_matmul, int8_col_sums, quant_matmul
from kiln_trainer.kernels.build import cpu_extension

# (M, N, K): decode (M = 1), a few rows, prefill (M >= 16, the panel path), odd N and M, and a
# K that is no multiple of 16 or 32 for int8 (the scalar tails).
INT8_SHAPES = [(1, 37, 96), (1, 256, 1000), (3, 129, 256), (5, 64, 17), (16, 33, 100), (67, 130, 384)]
# int4 needs K to be a multiple of the group size (32, 64 or 128).
INT4_SHAPES = [(1, 37, 96, 32), (1, 256, 1024, 128), (3, 129, 256, 64), (16, 33, 128, 32), (67, 130, 384, 128)]


def assert_close(y: torch.Tensor, ref: torch.Tensor) -> None:
    assert y.shape == ref.shape and y.dtype == ref.dtype
    assert ((y - ref).abs() <= 1e-4 * (1 + ref.abs())).all(), float((y - ref).abs().max())


def assert_int8_act_close(y: torch.Tensor, x: torch.Tensor, q, s, bits: int, gs: int, bias=None) -> None:
    """y within the int8-activation bound of the dequantize-then-matmul reference."""
    ref = dequant_matmul(x, q, s, bits=bits, group_size=gs, bias=bias)
    w = dequantize_int8(q, s) if bits == 8 else dequantize_int4(q, s, gs)
    sx = x.float().abs().amax(dim=-1, keepdim=True) / 127  # (M, 1)
    bound = sx / 2 * w.abs().sum(dim=1) * 1.001 + 1e-4 * (1 + ref.abs())  # (M, N)
    assert y.shape == ref.shape and y.dtype == ref.dtype
    assert ((y - ref).abs() <= bound).all(), float(((y - ref).abs() / bound).max())


def check(y: torch.Tensor, x: torch.Tensor, q, s, bits: int, gs: int, bias=None) -> None:
    """y against the reference, with the tolerance of the activations the kernel ran on."""
    ext = cpu_extension()
    if ext is not None and ext.act() == "int8" and backend_for(x) == "cpu":
        assert_int8_act_close(y, x, q, s, bits, gs, bias)
    else:
        assert_close(y, dequant_matmul(x, q, s, bits=bits, group_size=gs, bias=bias))


def make(m: int, n: int, k: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(m, k, generator=g), torch.randn(n, k, generator=g) * 0.05, torch.randn(n, generator=g)


@functools.cache
def _int4_codes(n: int, k: int, gs: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Cached: the clip search is the slow part, and each case runs once per ISA and activation type.
    return quantize_int4(make(1, n, k, seed)[1], gs)


ISAS = ("avx512", "avx2", "scalar")


@pytest.fixture(scope="module")
def cpu_kernel():
    if cpu_extension() is None:
        pytest.skip("no C++ compiler: the CPU kernel cannot be built here")
    return cpu_extension()


@pytest.fixture(params=ISAS)
def isa(request, cpu_kernel):
    """Each decode path in turn, forced; a path this CPU lacks is skipped (it would not run)."""
    if request.param not in cpu_kernel.available_isas():
        pytest.skip(f"this CPU has no {request.param}")
    before = cpu_kernel.isa()
    assert cpu_kernel.set_isa(request.param) == request.param
    yield request.param
    cpu_kernel.set_isa(before)


@pytest.fixture
def int8_act(cpu_kernel):
    """The int8-activation path for the test, whatever the test switches to; restored after."""
    before = cpu_kernel.act()
    cpu_kernel.set_act("int8")
    yield cpu_kernel
    cpu_kernel.set_act(before)


@pytest.fixture(params=("int8", "fp32"))
def act(request, cpu_kernel):
    """Each activation type in turn (int8 is the default)."""
    before = cpu_kernel.act()
    assert cpu_kernel.set_act(request.param) == request.param
    yield request.param
    cpu_kernel.set_act(before)


def test_dispatch_reports_a_path(cpu_kernel):
    available = cpu_kernel.available_isas()
    assert available[-1] == "scalar" and set(available) <= set(ISAS)
    assert cpu_kernel.isa() in available
    with pytest.raises(RuntimeError, match="isa must be"):
        cpu_kernel.set_isa("sse9")
    if "avx512" not in available:
        with pytest.raises(RuntimeError, match="cannot run"):
            cpu_kernel.set_isa("avx512")


@pytest.mark.parametrize("m,n,k", INT8_SHAPES)
def test_cpu_int8_matches_reference(isa, act, m, n, k):
    x, w, b = make(m, n, k)
    q, s = quantize_int8(w)
    assert backend_for(x) == "cpu"
    for bias in (None, b):
        check(quant_matmul(x, q, s, bits=8, group_size=0, bias=bias), x, q, s, 8, 0, bias)


@pytest.mark.parametrize("m,n,k,gs", INT4_SHAPES)
def test_cpu_int4_matches_reference(isa, act, m, n, k, gs):
    x, _, b = make(m, n, k)
    q, s = _int4_codes(n, k, gs, 0)
    for bias in (None, b):
        check(quant_matmul(x, q, s, bits=4, group_size=gs, bias=bias), x, q, s, 4, gs, bias)


def test_random_shapes_every_path_agrees(isa, act):
    # Random decode-sized shapes (M = 1..15) with odd N (row-block tails) and, for int8, odd K
    # (vector tails); seeded so a failure reproduces.
    g = torch.Generator().manual_seed(14)
    for trial in range(6):
        m, n = int(torch.randint(1, 16, (1,), generator=g)), int(torch.randint(1, 70, (1,), generator=g))
        k = int(torch.randint(1, 300, (1,), generator=g))
        x, w, b = make(m, n, k, seed=trial)
        q, s = quantize_int8(w)
        check(quant_matmul(x, q, s, bits=8, group_size=0, bias=b), x, q, s, 8, 0, b)
        gs = (32, 64, 128)[trial % 3]
        x, w, b = make(m, n, gs * (1 + trial % 3), seed=trial)
        q, s = quantize_int4(w, gs)
        check(quant_matmul(x, q, s, bits=4, group_size=gs, bias=b), x, q, s, 4, gs, b)


def test_leading_dims_and_dtype_are_kept(act):
    x, w, _ = make(6, 40, 64)
    q, s = quantize_int8(w)
    x3 = x.view(2, 3, 64).to(torch.bfloat16)
    y = quant_matmul(x3, q, s, bits=8, group_size=0)
    assert y.shape == (2, 3, 40) and y.dtype == torch.bfloat16
    ref = dequant_matmul(x3.float(), q, s, bits=8, group_size=0)
    assert torch.allclose(y.float(), ref, atol=0.05, rtol=0.02)  # bf16 output rounding (and int8 activations)


def test_kernel_agrees_with_float_weight_on_exact_values(isa, act):
    # Integer-valued weights quantize exactly (absmax 127 -> scale 1), and so do integer
    # activations whose row maximum is 127, so every path must reproduce the plain float
    # matmul to the last bit on small integers.
    g = torch.Generator().manual_seed(0)
    w = torch.randint(-127, 128, (4, 64), generator=g).float()
    w[:, 0] = 127.0
    w[3] = 0.0  # an all-zero row: scale 0, codes 0
    x = torch.randint(-127, 128, (2, 64), generator=g).float()
    x[:, 5] = 127.0
    q, s = quantize_int8(w)
    assert torch.equal(quant_matmul(x, q, s, bits=8, group_size=0), x @ w.T)


def test_bad_shapes_are_rejected(cpu_kernel):
    x, w, _ = make(1, 8, 64)
    q, s = quantize_int4(w, 32)
    with pytest.raises(RuntimeError, match="group_size"):
        quant_matmul(x, q, s, bits=4, group_size=48)
    with pytest.raises(RuntimeError, match="int8 qweight"):
        quant_matmul(x, q, s, bits=8, group_size=0)


def test_fallback_without_extension(monkeypatch):
    import kiln_trainer.kernels as kernels

    monkeypatch.setattr(kernels, "cpu_extension", lambda: None)
    x, w, b = make(2, 16, 64)
    q, s = quantize_int4(w, 32)
    assert kernels.backend_for(x) == "torch"
    got = kernels.quant_matmul(x, q, s, bits=4, group_size=32, bias=b)
    assert torch.equal(got, dequant_matmul(x, q, s, bits=4, group_size=32, bias=b))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("m", [1, 3, 8, 9, 67, 200])
def test_cuda_matches_reference(bits, m):
    from kiln_trainer.kernels.build import cuda_extension

    assert cuda_extension() is not None, "CUDA extension failed to build"
    for n, k in [(37, 96), (130, 384), (1024, 4096)]:
        x, w, b = make(m, n, k, seed=m)
        gs = 32 if k == 96 else 128
        q, s = quantize_int8(w) if bits == 8 else quantize_int4(w, gs)
        ref = dequant_matmul(x, q, s, bits=bits, group_size=gs, bias=b)
        dev = [t.cuda() for t in (x, q, s, b)]
        assert backend_for(dev[0]) == "cuda"
        got = quant_matmul(dev[0], dev[1], dev[2], bits=bits, group_size=gs, bias=dev[3]).cpu()
        assert_close(got, ref)
    if bits == 8:  # K not a multiple of 16: the scalar GEMV path and the ragged GEMM tile
        x, w, b = make(m, 33, 100)
        q, s = quantize_int8(w)
        got = quant_matmul(x.cuda(), q.cuda(), s.cuda(), bits=8, group_size=0, bias=b.cuda()).cpu()
        assert_close(got, dequant_matmul(x, q, s, bits=8, group_size=0, bias=b))


def test_env_var_forces_the_path(cpu_kernel):
    # KILN_CPU_KERNEL_ISA is read when the extension loads: check it in a fresh process (the
    # build directory is shared, so nothing is recompiled).
    import os
    import subprocess
    import sys

    env = {**os.environ, "KILN_CPU_KERNEL_ISA": "scalar", "KILN_CPU_KERNEL_ACT": "fp32"}
    code = "from kiln_trainer.kernels import cpu_isa, cpu_kernel_path; print(cpu_isa(), cpu_kernel_path())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "scalar scalar/fp32-act", out.stderr


# ----------------------------------------------------------------- int8-activation path


@pytest.mark.usefixtures("int8_act")
def test_int8_activations_every_m_and_odd_shapes(isa):
    # M = 1..33 covers every register-tile remainder and the prefill sizes; N = 37 leaves a
    # row-block tail, K = 1000 a vector tail for int8 (not a multiple of 16, 32 or 64), and
    # K = 224 / 160 a 32- or 96-column unit tail for int4 (groups of 32, not a multiple of 128).
    x_all, w8, b = make(33, 37, 1000, seed=3)
    q8, s8 = quantize_int8(w8)
    _, w4, _ = make(1, 37, 224, seed=4)
    q4, s4 = quantize_int4(w4, 32)
    x4_all = torch.randn(33, 224, generator=torch.Generator().manual_seed(5))
    for m in range(1, 34):
        x = x_all[:m]
        assert_int8_act_close(quant_matmul(x, q8, s8, bits=8, group_size=0, bias=b), x, q8, s8, 8, 0, b)
        x4 = x4_all[:m]
        assert_int8_act_close(quant_matmul(x4, q4, s4, bits=4, group_size=32, bias=b), x4, q4, s4, 4, 32, b)
    x, w, _ = make(9, 19, 160, seed=6)
    q, s = quantize_int4(w, 32)
    assert_int8_act_close(quant_matmul(x, q, s, bits=4, group_size=32), x, q, s, 4, 32)


def test_int8_activations_agree_across_isas(int8_act):
    cpu_kernel = int8_act
    # The integer dots are exact, so every ISA gives the same int8 output to the bit (int4
    # sums its per-group floats in a different order per ISA: rounding only).
    x, w, b = make(11, 70, 333, seed=7)
    q8, s8 = quantize_int8(w)
    x4, w4, _ = make(11, 70, 384, seed=8)
    q4, s4 = quantize_int4(w4, 128)
    before = cpu_kernel.isa()
    outs = {}
    try:
        cpu_kernel.set_act("int8")
        for name in cpu_kernel.available_isas():
            cpu_kernel.set_isa(name)
            outs[name] = (
                quant_matmul(x, q8, s8, bits=8, group_size=0, bias=b),
                quant_matmul(x4, q4, s4, bits=4, group_size=128),
            )
    finally:
        cpu_kernel.set_isa(before)
    y8, y4 = outs["scalar"]
    for name, (o8, o4) in outs.items():
        assert torch.equal(o8, y8), name
        assert_close(o4, y4)
    # ... and the int8 path is not the fp32 one in disguise: the activation rounding shows.
    cpu_kernel.set_act("fp32")
    assert not torch.equal(quant_matmul(x, q8, s8, bits=8, group_size=0, bias=b), y8)


@pytest.mark.usefixtures("int8_act")
def test_int8_activations_edge_rows():
    x, w, b = make(3, 20, 64)
    q, s = quantize_int8(w)
    x[1] = 0.0  # an all-zero row has scale 0: the output is the bias alone
    y = quant_matmul(x, q, s, bits=8, group_size=0, bias=b)
    assert torch.equal(y[1], b)
    # A NaN or an infinity has no int8 scale: the call runs the fp32 path, which propagates it
    # to the rows that hold it and leaves the others exact.
    x[2, 7] = float("nan")
    x[0, 3] = float("inf")
    y = quant_matmul(x, q, s, bits=8, group_size=0, bias=b)
    assert y[2].isnan().all() and not y[1].isnan().any()
    assert_close(y[1:2], dequant_matmul(x[1:2], q, s, bits=8, group_size=0, bias=b))


def test_act_switch_and_col_sums(int8_act):
    cpu_kernel = int8_act
    with pytest.raises(RuntimeError, match="activations must be int8 or fp32"):
        cpu_kernel.set_act("int4")
    assert cpu_kernel.set_act("fp32") == "fp32" and str(cpu_kernel_path()).endswith("/fp32-act")
    assert cpu_kernel.set_act("int8") == "int8" and str(cpu_kernel_path()).endswith("/int8-act")
    _, w, _ = make(1, 30, 50)
    q, s = quantize_int8(w)
    sums = int8_col_sums(q)
    assert sums.dtype == torch.int32 and torch.equal(sums, q.long().sum(dim=1).int())
    assert int8_col_sums(q) is sums  # cached while the weight lives and is unchanged
    q[0, 0] = 100  # an in-place update (load_state_dict) bumps the version: recomputed
    assert int8_col_sums(q) is not sums and int(int8_col_sums(q)[0]) == int(q[0].long().sum())
    # A wrong col_sums is refused by the kernel rather than read out of bounds.
    x = torch.randn(1, 50)
    with pytest.raises(RuntimeError, match="col_sums"):
        cpu_kernel.quant_matmul(x, q, s, 8, 0, None, torch.zeros(3, dtype=torch.int32))
