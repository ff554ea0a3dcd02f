"""What a benchmark's figures were measured on: written into every result file and printed.

The ISA flags are the ones Kiln's kernels and torch's CPU paths choose between; the commit ties
the figures to the code that produced them.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")


def llc_bytes() -> int:
    """Size of the largest cache level of cpu0 (32 MiB if sysfs does not say)."""
    best = 0
    for idx in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            text = (idx / "size").read_text().strip()
        except OSError:
            continue
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
        best = max(best, int(text.rstrip("KMG")) * mult)
    return best or 32 << 20


def machine(threads: int | None = None, **extra: Any) -> dict[str, Any]:
    """CPU model, ISA flags, cores, last-level cache, threads, torch version and commit."""
    cpu, flags = platform.processor() or platform.machine() or "?", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "cpu": cpu,
        "isa_flags": [f for f in ISA_FLAGS if f in flags],
        "cpus": os.cpu_count(),
        "llc_bytes": llc_bytes(),
        "threads": torch.get_num_threads() if threads is None else threads,
        "torch": torch.__version__,
        "commit": commit,
        **extra,
    }
