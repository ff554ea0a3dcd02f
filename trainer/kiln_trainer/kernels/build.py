"""Build the kernel extensions on first use and remember the outcome for the process.

torch.utils.cpp_extension.load compiles into a build directory and reuses it while the sources
are unchanged. The directory is KILN_KERNEL_BUILD_DIR, else ~/.cache/kiln/kernels, with a
subdirectory per CPU feature set: the CPU kernel is compiled with -march=native, so a cache
shared between different machines must not hand one machine's binary to another.

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
CPU_SOURCES = (KERNEL_DIR / "cpu" / "quant_matmul_cpu.cpp",)
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

        return load(
            name="kiln_quant_cpu",
            sources=[str(p) for p in CPU_SOURCES],
            extra_cflags=["-O3", "-march=native", "-fopenmp"],
            extra_ldflags=["-fopenmp"],
            build_directory=str(build_dir("cpu")),
            verbose=False,
        )
    except Exception as exc:  # compiler missing or broken: the pure-torch path still works
        log.warning("CPU quantized-matmul kernel unavailable, using the torch fallback: %s", exc)
        return None


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
