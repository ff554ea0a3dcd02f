"""Quantized matmul kernels against fp32 F.linear, decode (1 row) and prefill (many rows).

    python -m bench.kernels [--device cpu|cuda] [--repeats 7] [--threads N]

For each layer shape (N out, K in) and row count M it times fp32 F.linear, the int8 kernel and
the int4 kernel (group 128) through `kiln_trainer.kernels.quant_matmul`, all in the same process and
interleaved per round, and reports the median time per call. A ratio above 1 means the
quantized kernel is faster than fp32.

The last line printed is one JSON object:
{"device", "backend", "rows": [{"shape", "m", "fp32_us", "int8_us", "int4_us", ...}],
 "int8_decode_speedup", "int4_decode_speedup"} where the decode speedups are the geometric
mean over the layer shapes at M = 1.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from kiln_trainer.compress.quantize import quantize_int4, quantize_int8
from kiln_trainer.kernels import backend_for, quant_matmul

SHAPES = ((1024, 4096), (4096, 1024), (1536, 384), (384, 1536))  # (N, K): big MLP and kiln-gpt-small
DECODE_M, PREFILL_M = 1, 128
INT4_GROUP = 128


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_call(fn: Callable[[], torch.Tensor], device: torch.device, min_seconds: float = 0.05) -> float:
    """Mean seconds per call over a batch of calls lasting at least `min_seconds`."""
    fn()
    _sync(device)
    n, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        _sync(device)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n
        n *= 2


def bench_shape(n: int, k: int, m: int, device: torch.device, repeats: int) -> dict:
    g = torch.Generator().manual_seed(0)
    w = torch.randn(n, k, generator=g) * 0.02
    bias = torch.zeros(n)
    x = torch.randn(m, k, generator=g)
    q8, s8 = quantize_int8(w)
    q4, s4 = quantize_int4(w, INT4_GROUP, clip_search=False)
    w, bias, x, q8, s8, q4, s4 = (t.to(device) for t in (w, bias, x, q8, s8, q4, s4))
    calls = {
        "fp32": lambda: F.linear(x, w, bias),
        "int8": lambda: quant_matmul(x, q8, s8, bits=8, group_size=0, bias=bias),
        "int4": lambda: quant_matmul(x, q4, s4, bits=4, group_size=INT4_GROUP, bias=bias),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    with torch.inference_mode():
        for _ in range(repeats):  # interleaved so that drift in machine load hits all three alike
            for name, fn in calls.items():
                times[name].append(time_call(fn, device))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    return {
        "shape": [n, k],
        "m": m,
        "fp32_us": med["fp32"] * 1e6,
        "int8_us": med["int8"] * 1e6,
        "int4_us": med["int4"] * 1e6,
        "int8_speedup": med["fp32"] / med["int8"],
        "int4_speedup": med["fp32"] / med["int4"],
    }


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    backend = backend_for(torch.empty(0, device=device))
    rows = [bench_shape(n, k, m, device, args.repeats) for m in (DECODE_M, PREFILL_M) for n, k in SHAPES]

    print(f"device={device} backend={backend} threads={torch.get_num_threads()}")
    print(f"{'N x K':>12} {'M':>4} {'fp32 us':>10} {'int8 us':>10} {'int4 us':>10} {'int8 x':>7} {'int4 x':>7}")
    for r in rows:
        shape = f"{r['shape'][0]}x{r['shape'][1]}"
        print(
            f"{shape:>12} {r['m']:>4} {r['fp32_us']:>10.1f} {r['int8_us']:>10.1f} {r['int4_us']:>10.1f} "
            f"{r['int8_speedup']:>7.2f} {r['int4_speedup']:>7.2f}"
        )
    decode = [r for r in rows if r["m"] == DECODE_M]
    result = {
        "device": str(device),
        "backend": backend,
        "rows": rows,
        "int8_decode_speedup": _geomean([r["int8_speedup"] for r in decode]),
        "int4_decode_speedup": _geomean([r["int4_speedup"] for r in decode]),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
