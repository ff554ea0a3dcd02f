"""Build the kernel extensions on first use and remember the outcome for the process.

torch.utils.cpp_extension.load compiles into a build directory and reuses it while the sources
are unchanged. The directory is KILN_KERNEL_BUILD_DIR, else ~/.cache/kiln/kernels, with a
subdirectory per CPU feature set. The CPU kernel is compiled for the baseline x86-64 target and
picks its AVX-512 / AVX2+FMA / scalar path at run time, so its binary is portable; the
subdirectory only keeps caches of differently-configured machines apart.

KILN_CPU_KERNEL_ISA (auto, avx512, avx2, scalar) forces the CPU kernel's path, for testing and
benchmarking a narrower path on a wider CPU.

KILN_CPU_KERNEL_ACT (int8, the default, or fp32) picks the CPU kernel's activations: int8
quantizes each activation row inside the call and runs integer dot products (VNNI / AVX2), fp32
keeps the activations exact, so the output matches dequantize-then-matmul to float rounding
(slower; see docs/benchmarks.md for the speed and docs/decisions.md for the accuracy).

A failed build (no compiler, no nvcc) is logged once and reported as None; callers fall back.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path
from types import ModuleType

log = logging.getLogger("kiln.kernels")

KERNEL_DIR = Path(__file__).resolve().parent
CPU_SOURCES = (KERNEL_DIR / "cpu" / "quant_matmul_cpu.cpp", KERNEL_DIR / "cpu" / "int8_act_cpu.cpp")
CUDA_SOURCES = (
    KERNEL_DIR / "cuda" / "binding.cpp",
    KERNEL_DIR / "cuda" / "int8_matmul.cu",
    KERNEL_DIR / "cuda" / "int4_matmul.cu",
)


def _cpu_fingerprint() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        flags = next((ln for ln in lines if ln.startswith(("flags", "Features"))), "")
    except OSError:
        import platform

        flags = platform.processor() + platform.machine()
    return hashlib.sha256(flags.encode()).hexdigest()[:12]


def build_dir(kind: str) -> Path:
    base = os.environ.get("KILN_KERNEL_BUILD_DIR") or Path.home() / ".cache" / "kiln" / "kernels"
    path = Path(base) / f"{kind}-{_cpu_fingerprint()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def cpu_extension() -> ModuleType | None:
    """The compiled CPU kernel module, or None when it cannot be built here."""
    if os.environ.get("KILN_DISABLE_KERNELS"):
        return None
    try:
        from torch.utils.cpp_extension import load

        ext = load(
            name="kiln_quant_cpu",
            sources=[str(p) for p in CPU_SOURCES],
            # No -march=native: the ISA-specific kernels carry their own target attributes.
            extra_cflags=["-O3", "-fopenmp"],
            extra_ldflags=["-fopenmp"],
            build_directory=str(build_dir("cpu")),
            verbose=False,
        )
    except Exception as exc:  # compiler missing or broken: the pure-torch path still works
        log.warning("CPU quantized-matmul kernel unavailable, using the torch fallback: %s", exc)
        return None
    forced = os.environ.get("KILN_CPU_KERNEL_ISA")
    if forced:
        ext.set_isa(forced)  # a path this CPU lacks raises: better than a silent wider path
    act = os.environ.get("KILN_CPU_KERNEL_ACT")
    if act:
        ext.set_act(act)  # anything but int8 / fp32 raises
    return ext


@functools.cache
def cuda_extension() -> ModuleType | None:
    """The compiled CUDA kernel module, or None without CUDA (device or toolkit)."""
    if os.environ.get("KILN_DISABLE_KERNELS"):
        return None
    try:
        import torch

        if not torch.cuda.is_available():
            return None
        from torch.utils.cpp_extension import load

        return load(
            name="kiln_quant_cuda",
            sources=[str(p) for p in CUDA_SOURCES],
            extra_cflags=["-O3"],
            extra_cuda_cflags=["-O3", "--use_fast_math"],
            build_directory=str(build_dir("cuda")),
            verbose=False,
        )
    except Exception as exc:
        log.warning("CUDA quantized-matmul kernel unavailable, using the CPU/torch path: %s", exc)
        return None
