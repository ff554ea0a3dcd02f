"""Quantized matmul kernels against fp32 F.linear and torch's own quantized CPU paths.

    python -m bench.kernels [--device cpu|cuda] [--repeats 5] [--threads N] [--quick]

For each layer shape (N out, K in) and row count M it times, in one process, interleaved per
round (so that drift in machine load hits every side alike), median per call:
- fp32 F.linear (the baseline every ratio is against);
- Kiln's int8 (per output channel) and int4 (group 128) kernels through
  `kiln_trainer.kernels.quant_matmul`, on the path the CPU picks ("avx512"/"avx2"/"scalar"),
  and on the AVX2+FMA path forced when the CPU has a wider one (what an AVX2-only machine runs);
- on CPU, torch's alternatives a user would reach for: dynamic int8 (torch.ao dynamic Linear,
  fbgemm: quantizes the activations too), weight-only int8 (torch._weight_int8pack_mm) and
  weight-only int4 (torch._weight_int4pack_mm_for_cpu, group 128), when this torch has them
  (the weight-only ones at decode sizes, M <= 32 only).
Shapes are tagged "cold" when the int8 weight alone is larger than the last-level cache (it is
streamed from memory every call) and "warm" when the fp32 weight fits in it.

The machine block (CPU model, ISA flags, threads, torch, commit) and every row go to
bench/results/kernels.json. The last line printed is one JSON object with "device", "backend",
"isa", "rows", "int8_decode_speedup", "int4_decode_speedup" (geometric means over the M = 1
shapes, as before) and "int8_vs_fp32_m1", "int8_vs_best_torch_m1", "int4_vs_int8_m1" (on the
largest cold shape at M = 1, the case weight-only quantization is for).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from bench.machine import machine
from kiln_trainer.compress.quantize import quantize_int4, quantize_int8
from kiln_trainer.kernels import backend_for, cpu_isa, quant_matmul
from kiln_trainer.kernels.build import cpu_extension

RESULTS = Path(__file__).parent / "results" / "kernels.json"
# (N, K, M): a cold layer (int8 45 MB, a 7B model's MLP), the 4096x4096 projection at decode,
# small decode batches and prefill, and warm kiln-gpt-small layers.
CASES = (
    (11008, 4096, 1),
    (4096, 4096, 1),
    (4096, 4096, 8),
    (4096, 4096, 128),
    (1536, 384, 1),
    (384, 1536, 1),
)
QUICK_CASES = ((4096, 4096, 1), (1536, 384, 1))
INT4_GROUP = 128
TORCH_SIDES = ("torch_dyn_int8", "torch_int8_wo", "torch_int4_wo")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_call(fn: Callable[[], torch.Tensor], device: torch.device, min_seconds: float) -> float:
    """Mean seconds per call over a batch of calls lasting at least `min_seconds`."""
    fn()
    _sync(device)
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        _sync(device)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n
        n *= 2


def with_isa(isa: str, fn: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
    """fn run on a forced CPU kernel path (set for the call, restored after)."""
    ext = cpu_extension()
    assert ext is not None

    def call() -> torch.Tensor:
        before = ext.isa()
        ext.set_isa(isa)
        try:
            return fn()
        finally:
            ext.set_isa(before)

    return call


def torch_sides(w: torch.Tensor, bias: torch.Tensor, x: torch.Tensor, q8, s8, q4, s4) -> dict[str, Callable]:
    """torch's CPU quantized linears on the same weight, where this torch build has them."""
    n, k = w.shape
    sides: dict[str, Callable] = {}
    try:
        import torch.ao.nn.quantized.dynamic as qd

        if "fbgemm" in torch.backends.quantized.supported_engines:
            torch.backends.quantized.engine = "fbgemm"
        dyn = qd.Linear(k, n, dtype=torch.qint8)
        qw = torch.quantize_per_channel(w, s8.double(), torch.zeros(n, dtype=torch.long), 0, torch.qint8)
        dyn.set_weight_bias(qw, bias)
        sides["torch_dyn_int8"] = lambda: dyn(x)
    except Exception as exc:  # a torch without quantized engines
        print(f"torch dynamic int8 unavailable: {exc}")
    if x.shape[0] > 32:
        # torch's weight-only ops are decode kernels: at prefill sizes they take seconds per
        # call on this CPU (measured: 6.8 s int8, 11 s int4 at 128x4096x4096), which would
        # stretch the run past its budget; dynamic int8 is the prefill baseline.
        return sides
    if hasattr(torch, "_weight_int8pack_mm"):
        sides["torch_int8_wo"] = lambda: torch._weight_int8pack_mm(x, q8, s8).add_(bias)
    if hasattr(torch, "_weight_int4pack_mm_for_cpu"):
        # torch's int4 layout: nibble q in 0..15, w = (q - 8) * scale + zero; ours is the same
        # with zero = 0, so the codes carry over exactly.
        nib = torch.stack([q4 & 15, q4 >> 4], -1).reshape(n, k).to(torch.int32)
        packed = torch._convert_weight_to_int4pack_for_cpu(nib, 2)
        sz = torch.stack([s4.float().t(), torch.zeros_like(s4).float().t()], -1).contiguous()
        sides["torch_int4_wo"] = lambda: torch._weight_int4pack_mm_for_cpu(x, packed, INT4_GROUP, sz).add_(bias)
    return sides


def bench_case(n: int, k: int, m: int, device: torch.device, repeats: int, llc: int, min_s: float) -> dict:
    g = torch.Generator().manual_seed(0)
    w = torch.randn(n, k, generator=g) * 0.02
    bias = torch.randn(n, generator=g) * 0.01
    x = torch.randn(m, k, generator=g)
    q8, s8 = quantize_int8(w)
    q4, s4 = quantize_int4(w, INT4_GROUP, clip_search=False)
    w, bias, x, q8, s8, q4, s4 = (t.to(device) for t in (w, bias, x, q8, s8, q4, s4))
    calls: dict[str, Callable[[], torch.Tensor]] = {
        "fp32": lambda: F.linear(x, w, bias),
        "int8": lambda: quant_matmul(x, q8, s8, bits=8, group_size=0, bias=bias),
        "int4": lambda: quant_matmul(x, q4, s4, bits=4, group_size=INT4_GROUP, bias=bias),
    }
    if device.type == "cpu":
        ext = cpu_extension()
        if ext is not None and ext.isa() == "avx512":
            calls["int8_avx2"] = with_isa("avx2", calls["int8"])
            calls["int4_avx2"] = with_isa("avx2", calls["int4"])
        calls.update(torch_sides(w, bias, x, q8, s8, q4, s4))
    times: dict[str, list[float]] = {name: [] for name in calls}
    with torch.inference_mode():
        for fn in calls.values():  # warm-up: first-call allocations, lazy packing
            fn()
        for _ in range(repeats):
            for name, fn in calls.items():
                times[name].append(time_call(fn, device, min_s))
    us = {name: statistics.median(ts) * 1e6 for name, ts in times.items()}
    torch_int8 = [us[s] for s in ("torch_dyn_int8", "torch_int8_wo") if s in us]
    return {
        "shape": [n, k],
        "m": m,
        "cache": "cold" if n * k > llc else ("warm" if 4 * n * k <= llc else "mixed"),
        "us": {name: round(v, 1) for name, v in us.items()},
        "int8_speedup": us["fp32"] / us["int8"],
        "int4_speedup": us["fp32"] / us["int4"],
        "int8_vs_best_torch": min(torch_int8) / us["int8"] if torch_int8 else None,
        "int4_vs_int8": us["int8"] / us["int4"],
    }


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def print_table(rows: list[dict]) -> None:
    names = list(rows[0]["us"])
    print(f"{'N x K':>11} {'M':>4} {'cache':>5} " + " ".join(f"{n:>14}" for n in names) + "  (us per call)")
    for r in rows:
        shape = f"{r['shape'][0]}x{r['shape'][1]}"
        print(f"{shape:>11} {r['m']:>4} {r['cache']:>5} " + " ".join(f"{r['us'].get(n, 0):>14.1f}" for n in names))
    print(f"{'N x K':>11} {'M':>4}  int8/fp32  int4/fp32  int8/best-torch-int8  int4/int8  (speedups)")
    for r in rows:
        best = r["int8_vs_best_torch"]
        print(
            f"{r['shape'][0]}x{r['shape'][1]:<6} {r['m']:>4} {r['int8_speedup']:>10.2f} {r['int4_speedup']:>10.2f} "
            f"{(best or float('nan')):>20.2f} {r['int4_vs_int8']:>10.2f}"
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (all sides)")
    parser.add_argument("--min-seconds", type=float, default=0.03, help="timed batch length per sample")
    parser.add_argument("--quick", action="store_true", help="two shapes only (a smoke run)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    backend = backend_for(torch.empty(0, device=device))
    isa = cpu_isa() if device.type == "cpu" else backend
    info = machine(torch.get_num_threads())
    print(json.dumps({"machine": info, "backend": backend, "isa": isa}))
    cases = QUICK_CASES if args.quick else CASES
    rows = [bench_case(n, k, m, device, args.repeats, info["llc_bytes"], args.min_seconds) for n, k, m in cases]
    print_table(rows)

    decode = [r for r in rows if r["m"] == 1]
    head = max(decode, key=lambda r: r["shape"][0] * r["shape"][1])  # the largest (coldest) layer
    result = {
        "device": str(device),
        "backend": backend,
        "isa": isa,
        "rows": rows,
        "int8_decode_speedup": _geomean([r["int8_speedup"] for r in decode]),
        "int4_decode_speedup": _geomean([r["int4_speedup"] for r in decode]),
        "headline_shape": head["shape"],
        "int8_vs_fp32_m1": head["int8_speedup"],
        "int8_vs_best_torch_m1": head["int8_vs_best_torch"],
        "int4_vs_int8_m1": head["int4_vs_int8"],
    }
    if "int8_avx2" in head["us"]:
        result["avx2_int8_vs_fp32_m1"] = head["us"]["fp32"] / head["us"]["int8_avx2"]
        result["avx2_int4_vs_int8_m1"] = head["us"]["int8_avx2"] / head["us"]["int4_avx2"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": info, "args": vars(args), "result": result}, indent=1) + "\n")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
