"""Quantized matmul kernels against fp32 F.linear and torch's own quantized CPU paths.

    python -m bench.kernels [--device cpu|cuda] [--repeats 9] [--threads 1,2] [--quick]

For each layer shape (N out, K in), row count M and thread count it times, in one process,
interleaved per round (the order of the sides rotates every round, so drift in machine load
hits every side alike), median per call:
- fp32 F.linear (the baseline every ratio is against);
- Kiln's int8 (per output channel) and int4 (group 128) kernels through
  `kiln_trainer.kernels.quant_matmul` on the default path: int8 activations quantized per row
  inside the call, integer dots on the widest ISA the CPU has ("int8", "int4");
- the same kernels with fp32 activations ("int8_f32act", "int4_f32act", KILN_CPU_KERNEL_ACT=fp32),
  and with the AVX2 path forced when the CPU has a wider one ("int8_avx2", "int4_avx2": what an
  AVX2-only machine runs);
- on CPU, torch's alternatives a user would reach for: dynamic int8 (torch.ao dynamic Linear,
  fbgemm: quantizes the activations too), weight-only int8 (torch._weight_int8pack_mm) and
  weight-only int4 (torch._weight_int4pack_mm_for_cpu, group 128), when this torch has them
  (the weight-only ones at decode sizes, M <= 32 only).
Every shape runs "warm" (back-to-back calls: the weights stay in whatever cache holds them),
and the decode shapes also "cold": before every timed call a buffer larger than the last-level
cache is read, so the weights come from memory, as they do for a model larger than the cache.

The machine block (CPU model, ISA flags, threads, torch, commit) and every row go to
bench/results/kernels.json. The last line printed is one JSON object with "device", "backend",
"isa", "path" (the kernel that ran, e.g. "avx512-vnni/int8-act"), "rows",
"int8_decode_speedup", "int4_decode_speedup" (geometric means over the M = 1 rows), and the
headline ratios on the largest layer at M = 1, cold: "int8_vs_fp32_m1", "int8_vs_best_torch_m1",
"int4_vs_int8_m1" (the worst over the thread counts), per thread count ("..._t1", "..._t2"),
and the same for the forced AVX2 path ("avx2_int8_vs_fp32_m1", ...).
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
from kiln_trainer.kernels import backend_for, cpu_isa, cpu_kernel_path, quant_matmul
from kiln_trainer.kernels.build import cpu_extension

RESULTS = Path(__file__).parent / "results" / "kernels.json"
# (N, K, M, cold too): a 7B model's MLP layer and its 4096x4096 projection at decode (cold and
# warm), small decode batches (what continuous batching produces) and prefill, warm, and the
# kiln-gpt-small layers, warm.
CASES = (
    (11008, 4096, 1, True),
    (4096, 4096, 1, True),
    (4096, 4096, 8, False),
    (4096, 4096, 32, False),
    (4096, 4096, 128, False),
    (1536, 384, 1, False),
    (384, 1536, 1, False),
)
QUICK_CASES = ((4096, 4096, 1, True), (1536, 384, 1, False))
INT4_GROUP = 128
TORCH_SIDES = ("torch_dyn_int8", "torch_int8_wo", "torch_int4_wo")
TORCH_INT8 = ("torch_dyn_int8", "torch_int8_wo")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_call(fn: Callable[[], torch.Tensor], device: torch.device, min_seconds: float) -> tuple[float, float]:
    """(wall, CPU) seconds per call over a batch of back-to-back calls lasting >= `min_seconds`."""
    fn()
    _sync(device)
    n = 1
    while True:
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        _sync(device)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n, (time.process_time() - cpu) / n
        n *= 2


class Flusher:
    """Reads a buffer 1.25x the last-level cache, so that what a call reads next comes from memory."""

    def __init__(self, llc: int):
        self.buf = torch.ones(int(llc * 1.25) // 4)

    def __call__(self) -> None:
        self.buf.sum()


def time_cold(fn: Callable[[], torch.Tensor], flush: Flusher, calls: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of single calls, each after the cache was flushed."""
    wall, cpu = [], []
    for _ in range(calls):
        flush()
        start, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def with_mode(isa: str, act: str, fn: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
    """fn run on a forced CPU kernel path and activation type (set for the call, restored after)."""
    ext = cpu_extension()
    assert ext is not None

    def call() -> torch.Tensor:
        before = ext.isa(), ext.act()
        ext.set_isa(isa)
        ext.set_act(act)
        try:
            return fn()
        finally:
            ext.set_isa(before[0])
            ext.set_act(before[1])

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
    if x.shape[0] > 1:
        # torch's weight-only ops are 10-100x slower than its dynamic int8 from M = 1 on (so
        # never the fastest torch path) and grow with M (6.8 s int8, 11 s int4 per call at
        # 128x4096x4096 on this CPU), which would stretch the run past its budget: measured at
        # M = 1 only.
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


def build_calls(n: int, k: int, m: int, device: torch.device) -> dict[str, Callable[[], torch.Tensor]]:
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
    ext = cpu_extension() if device.type == "cpu" else None
    if ext is not None:
        isa = ext.isa()
        calls["int8_f32act"] = with_mode(isa, "fp32", calls["int8"])
        calls["int4_f32act"] = with_mode(isa, "fp32", calls["int4"])
        if isa == "avx512":
            calls["int8_avx2"] = with_mode("avx2", "int8", calls["int8"])
            calls["int4_avx2"] = with_mode("avx2", "int8", calls["int4"])
    if device.type == "cpu":
        calls.update(torch_sides(w, bias, x, q8, s8, q4, s4))
    return calls


def measure(
    calls: dict[str, Callable], device: torch.device, repeats: int, min_s: float, flush: Flusher | None
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU microseconds per call of every side, interleaved rounds, rotating order.

    CPU time (the process's, all threads) is what a call costs the machine whatever else runs on
    it: on one thread it is the latency the call would have on an idle core, which the wall time
    of a loaded shared machine is not. With more threads it adds up the threads (and their spin
    waits), so only the wall time is a latency there.
    """
    names = list(calls)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with torch.inference_mode():
        for fn in calls.values():  # warm-up: first-call allocations, lazy packing, column sums
            fn()
        for rnd in range(repeats):
            for name in names[rnd % len(names) :] + names[: rnd % len(names)]:
                fn = calls[name]
                w, c = time_cold(fn, flush, 3) if flush else time_call(fn, device, min_s)
                wall[name].append(w)
                cpu[name].append(c)
    return (
        {name: statistics.median(ts) * 1e6 for name, ts in wall.items()},
        {name: statistics.median(ts) * 1e6 for name, ts in cpu.items()},
    )


def ratios(us: dict[str, float], prefix: str = "") -> dict[str, float | None]:
    """Speedups of Kiln's int8 / int4 sides (optionally a forced-ISA variant) against the others."""
    i8, i4 = us[f"int8{prefix}"], us[f"int4{prefix}"]
    torch_int8 = [us[s] for s in TORCH_INT8 if s in us]
    return {
        "int8_speedup": us["fp32"] / i8,
        "int4_speedup": us["fp32"] / i4,
        "int8_vs_best_torch": min(torch_int8) / i8 if torch_int8 else None,
        "int4_vs_int8": i8 / i4,
    }


def bench_case(n: int, k: int, m: int, cold: bool, device: torch.device, args, flush: Flusher | None) -> list[dict]:
    calls = build_calls(n, k, m, device)
    rows = []
    for cache in ("warm", "cold") if cold else ("warm",):
        us, cpu_us = measure(calls, device, args.repeats, args.min_seconds, flush if cache == "cold" else None)
        row = {"shape": [n, k], "m": m, "threads": torch.get_num_threads(), "cache": cache}
        row["us"] = {name: round(v, 1) for name, v in us.items()}
        row.update(ratios(us))
        if "int8_avx2" in us:
            row["avx2"] = ratios(us, "_avx2")
        row["cpu_us"] = {name: round(v, 1) for name, v in cpu_us.items()}
        row["cpu"] = ratios(cpu_us)
        if "int8_avx2" in cpu_us:
            row["cpu"]["avx2"] = ratios(cpu_us, "_avx2")
        rows.append(row)
    return rows


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def print_table(rows: list[dict], field: str = "us") -> None:
    names = list(dict.fromkeys(name for r in rows for name in r[field]))
    unit = "wall us/call" if field == "us" else "CPU us/call"
    print(f"{'N x K':>11} {'M':>4} {'thr':>3} {'cache':>5} " + " ".join(f"{n:>14}" for n in names) + f"  ({unit})")
    for r in rows:
        shape = f"{r['shape'][0]}x{r['shape'][1]}"
        cells = " ".join(f"{r[field][n]:>14.1f}" if n in r[field] else f"{'':>14}" for n in names)
        print(f"{shape:>11} {r['m']:>4} {r['threads']:>3} {r['cache']:>5} " + cells)
    print(f"{'N x K':>11} {'M':>4} {'thr':>3} {'cache':>5}  int8/fp32  int4/fp32  int8/best-torch-int8  int4/int8")
    for r in rows:
        r = r if field == "us" else {**r, **r["cpu"]}
        best = r["int8_vs_best_torch"]
        print(
            f"{r['shape'][0]}x{r['shape'][1]:<6} {r['m']:>4} {r['threads']:>3} {r['cache']:>5} "
            f"{r['int8_speedup']:>10.2f} {r['int4_speedup']:>10.2f} "
            f"{(best or float('nan')):>20.2f} {r['int4_vs_int8']:>10.2f}"
        )


def headline(rows: list[dict]) -> dict:
    """The largest layer at M = 1 (cold where measured): per thread count and the worst of them,
    from wall times; and from one-thread CPU times ("cpu_t1_..."), the load-robust figure."""
    decode = [r for r in rows if r["m"] == 1]
    big = max(r["shape"][0] * r["shape"][1] for r in decode)
    pick = [r for r in decode if r["shape"][0] * r["shape"][1] == big]
    cache = "cold" if any(r["cache"] == "cold" for r in pick) else "warm"
    pick = [r for r in pick if r["cache"] == cache]
    out: dict = {"headline_shape": pick[0]["shape"], "headline_cache": cache}
    keys = {
        "int8_vs_fp32_m1": "int8_speedup",
        "int8_vs_best_torch_m1": "int8_vs_best_torch",
        "int4_vs_int8_m1": "int4_vs_int8",
    }
    sources: tuple[tuple[str, Callable[[dict], dict | None]], ...] = (
        ("", lambda r: r),
        ("avx2_", lambda r: r.get("avx2")),
    )
    for prefix, get in sources:
        for key, field in keys.items():
            per = {}
            for r in pick:
                src = get(r)
                if src is not None and src.get(field) is not None:
                    per[r["threads"]] = src[field]
            if per:
                out[prefix + key] = min(per.values())
                out.update({f"{prefix}{key}_t{t}": v for t, v in per.items()})
    one = [r for r in pick if r["threads"] == 1]
    if one:
        cpu = one[0]["cpu"]
        for prefix, src in (("cpu_t1_", cpu), ("cpu_t1_avx2_", cpu.get("avx2"))):
            if src:
                out.update({prefix + key: src[field] for key, field in keys.items()})
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=9, help="interleaved rounds (medians over them)")
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts (all sides)")
    parser.add_argument("--min-seconds", type=float, default=0.02, help="warm: timed batch length per sample")
    parser.add_argument("--quick", action="store_true", help="two shapes only (a smoke run)")
    args = parser.parse_args(argv)
    threads = [int(t) for t in str(args.threads).split(",") if t]
    device = torch.device(args.device)
    backend = backend_for(torch.empty(0, device=device))
    isa = cpu_isa() if device.type == "cpu" else backend
    path = cpu_kernel_path() if backend == "cpu" else backend
    info = machine(max(threads))
    info["threads_measured"] = threads
    print(json.dumps({"machine": info, "backend": backend, "isa": isa, "path": path}))
    flush = Flusher(info["llc_bytes"]) if device.type == "cpu" else None
    cases = QUICK_CASES if args.quick else CASES
    rows = []
    for t in threads:
        torch.set_num_threads(t)
        for n, k, m, cold in cases:
            rows.extend(bench_case(n, k, m, cold, device, args, flush))
            print_table(rows[-2:] if cold else rows[-1:])
    print_table(rows)
    if any(r["threads"] == 1 for r in rows):
        print_table([r for r in rows if r["threads"] == 1], "cpu_us")

    decode = [r for r in rows if r["m"] == 1]
    result = {
        "device": str(device),
        "backend": backend,
        "isa": isa,
        "path": path,
        "rows": rows,
        "int8_decode_speedup": _geomean([r["int8_speedup"] for r in decode]),
        "int4_decode_speedup": _geomean([r["int4_speedup"] for r in decode]),
        **headline(rows),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": info, "args": vars(args), "result": result}, indent=1) + "\n")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
