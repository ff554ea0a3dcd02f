"""Quantized matmul kernels against dequantize-then-matmul (trainer/kiln_trainer/kernels/reference.py).

Tolerance: the kernels and the reference multiply the same dequantized values in float32 but
sum in a different order, so they differ by rounding only: |diff| <= 1e-4 * (1 + |ref|) per
output for these sizes (K <= 4096, unit-scale inputs), far below quantization error itself.
"""

import pytest
import torch

from kiln_trainer.compress.quantize import quantize_int4, quantize_int8
from kiln_trainer.kernels import backend_for, dequant_matmul, quant_matmul
from kiln_trainer.kernels.build import cpu_extension

# (M, N, K): decode (M = 1), a few rows, prefill (M >= 16, the panel path), odd N and M, and a
# K that is no multiple of 16 or 32 for int8 (the scalar tails).
INT8_SHAPES = [(1, 37, 96), (1, 256, 1000), (3, 129, 256), (5, 64, 17), (16, 33, 100), (67, 130, 384)]
# int4 needs K to be a multiple of the group size (32, 64 or 128).
INT4_SHAPES = [(1, 37, 96, 32), (1, 256, 1024, 128), (3, 129, 256, 64), (16, 33, 128, 32), (67, 130, 384, 128)]


def assert_close(y: torch.Tensor, ref: torch.Tensor) -> None:
    assert y.shape == ref.shape and y.dtype == ref.dtype
    assert ((y - ref).abs() <= 1e-4 * (1 + ref.abs())).all(), float((y - ref).abs().max())


def make(m: int, n: int, k: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(m, k, generator=g), torch.randn(n, k, generator=g) * 0.05, torch.randn(n, generator=g)


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
def test_cpu_int8_matches_reference(isa, m, n, k):
    x, w, b = make(m, n, k)
    q, s = quantize_int8(w)
    assert backend_for(x) == "cpu"
    for bias in (None, b):
        got = quant_matmul(x, q, s, bits=8, group_size=0, bias=bias)
        assert_close(got, dequant_matmul(x, q, s, bits=8, group_size=0, bias=bias))


@pytest.mark.parametrize("m,n,k,gs", INT4_SHAPES)
def test_cpu_int4_matches_reference(isa, m, n, k, gs):
    x, w, b = make(m, n, k)
    q, s = quantize_int4(w, gs)
    for bias in (None, b):
        got = quant_matmul(x, q, s, bits=4, group_size=gs, bias=bias)
        assert_close(got, dequant_matmul(x, q, s, bits=4, group_size=gs, bias=bias))


def test_random_shapes_every_path_agrees(isa):
    # Random decode-sized shapes (M = 1..15) with odd N (row-block tails) and, for int8, odd K
    # (vector tails); seeded so a failure reproduces.
    g = torch.Generator().manual_seed(14)
    for trial in range(6):
        m, n = int(torch.randint(1, 16, (1,), generator=g)), int(torch.randint(1, 70, (1,), generator=g))
        k = int(torch.randint(1, 300, (1,), generator=g))
        x, w, b = make(m, n, k, seed=trial)
        q, s = quantize_int8(w)
        assert_close(
            quant_matmul(x, q, s, bits=8, group_size=0, bias=b), dequant_matmul(x, q, s, bits=8, group_size=0, bias=b)
        )
        gs = (32, 64, 128)[trial % 3]
        x, w, b = make(m, n, gs * (1 + trial % 3), seed=trial)
        q, s = quantize_int4(w, gs)
        assert_close(
            quant_matmul(x, q, s, bits=4, group_size=gs, bias=b), dequant_matmul(x, q, s, bits=4, group_size=gs, bias=b)
        )


def test_leading_dims_and_dtype_are_kept(cpu_kernel):
    x, w, _ = make(6, 40, 64)
    q, s = quantize_int8(w)
    x3 = x.view(2, 3, 64).to(torch.bfloat16)
    y = quant_matmul(x3, q, s, bits=8, group_size=0)
    assert y.shape == (2, 3, 40) and y.dtype == torch.bfloat16
    ref = dequant_matmul(x3.float(), q, s, bits=8, group_size=0)
    assert torch.allclose(y.float(), ref, atol=0.05, rtol=0.02)  # bf16 output rounding


def test_kernel_agrees_with_float_weight_on_exact_values(isa):
    # Integer-valued weights quantize exactly (absmax 127 -> scale 1), so the kernel must
    # reproduce the plain float matmul to the last bit on small integers.
    w = torch.randint(-127, 128, (4, 64), generator=torch.Generator().manual_seed(0)).float()
    w[:, 0] = 127.0
    w[3] = 0.0  # an all-zero row: scale 0, codes 0
    x = torch.ones(2, 64)
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

    env = {**os.environ, "KILN_CPU_KERNEL_ISA": "scalar"}
    code = "from kiln_trainer.kernels import cpu_isa; print(cpu_isa())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "scalar", out.stderr
