"""The cache-hit part of bench.sampling, and a mode that runs only it (a few minutes, unattended).

    python -m bench.sampling --cache-only [--cache-calls 1000] [--model kiln-gpt-small]

1,000 unary Generate calls over 50 distinct deterministic requests (already cached), from a
client in its own process: first with the gateway idle, then while a load generator (another
process) keeps 32 clients streaming. The cache-only mode deploys the built-in model untrained
(no SFT job first: a hit never reaches the replica, and the 32 clients' load is the engine
decoding, which untrained weights only make longer), then updates the cache figures in
bench/results/sampling.json and the docs section, leaving the serving figures as they were.
The load average is recorded before each phase and after: the machine is shared.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

CACHE_KEYS = ("cache_hit_p50_ms", "cache_hit_p99_ms", "cache_hit_load_p50_ms", "cache_hit_load_p99_ms")
CACHE_TARGETS = {
    "cache_hit_p50_ms <= 1": ("cache_hit_p50_ms", 1.0),
    "cache_hit_p99_ms <= 5": ("cache_hit_p99_ms", 5.0),
    "cache_hit_load_p99_ms <= 20": ("cache_hit_load_p99_ms", 20.0),
}


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def cache_phase(
    sampling, md, pool: ProcessPoolExecutor, port: int, key: str, model: str, tok, load_reqs: list[dict], calls: int
) -> dict:
    """Fills the cache with 50 deterministic requests, then times `calls` hits idle and under
    32 generating clients. Returns both latency lists (ms) and the load averages seen."""
    from bench.sampling import Req, _request, cache_worker, load_worker, make_workload
    from kiln.v1 import sampling_pb2

    loop = asyncio.get_running_loop()
    distinct = make_workload(tok, 50, 512, seed=7)
    hits = [asdict(Req(r.prompt, r.prompt_tokens, min(r.max_tokens, 32), True, 0)) for r in distinct]
    for r in hits:
        await sampling.Generate(_request(sampling_pb2, model, r, bypass=False), metadata=md)
    load = {"idle_start": _load_average()}
    idle = await loop.run_in_executor(pool, cache_worker, port, key, model, hits, calls)
    stop = os.path.join(tempfile.mkdtemp(prefix="kiln-bench-stop-"), "stop")
    under = loop.run_in_executor(pool, load_worker, port, key, model, load_reqs, 32, stop)
    await asyncio.sleep(3.0)  # let the 32 clients fill the batch
    load["busy_start"] = _load_average()
    busy = await loop.run_in_executor(pool, cache_worker, port, key, model, hits, calls)
    load["busy_end"] = _load_average()
    Path(stop).touch()
    await under
    return {"idle": idle, "busy": busy, "load_average": load}


def cache_figures(idle: list[float], busy: list[float]) -> tuple[dict, dict]:
    from bench.sampling import pct

    figures = {
        "cache_hit_p50_ms": round(statistics.median(idle), 3),
        "cache_hit_p99_ms": round(pct(idle, 0.99), 3),
        "cache_hit_load_p50_ms": round(statistics.median(busy), 3),
        "cache_hit_load_p99_ms": round(pct(busy, 0.99), 3),
    }
    targets = {name: figures[k] <= bound for name, (k, bound) in CACHE_TARGETS.items()}
    return figures, targets


async def _run(args) -> dict:
    import multiprocessing as mp

    from grpc import aio

    from bench.sampling import make_workload, start_gateway
    from kiln.v1 import models_pb2, models_pb2_grpc, sampling_pb2_grpc
    from kiln_trainer.models.loader import load_causal_lm

    server, port, key, cfg = await start_gateway(args)
    md = (("authorization", f"Bearer {key}"),)
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    pool = ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn"))
    try:
        models = models_pb2_grpc.ModelServiceStub(channel)
        t = time.perf_counter()
        await models.DeployModel(
            models_pb2.DeployModelRequest(name=args.model, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=md
        )
        print(f"deployed {args.model} (untrained) in {time.perf_counter() - t:.0f}s", flush=True)
        lm = load_causal_lm(args.model)
        work = [asdict(r) for r in make_workload(lm.tokenizer, 64, lm.max_seq_len)]
        sampling = sampling_pb2_grpc.SamplingServiceStub(channel)
        out = await cache_phase(sampling, md, pool, port, key, args.model, lm.tokenizer, work, args.cache_calls)
        await models.UndeployModel(models_pb2.UndeployModelRequest(name=args.model), metadata=md)
        return out
    finally:
        pool.shutdown(cancel_futures=True)
        await channel.close()
        await server.stop(grace=1)


def cache_only_main(args, results: Path) -> None:
    """Runs the cache phase alone and merges its figures into the result file."""
    from bench.machine import machine
    from bench.sampling_docs import write_docs

    res = asyncio.run(_run(args))
    figures, targets = cache_figures(res["idle"], res["busy"])
    run = {
        "mode": "cache-only",
        "model": f"{args.model} (untrained)",
        "calls": len(res["idle"]),
        "machine": machine(threads=args.threads),
        "load_average": res["load_average"],
    }
    print(
        f"cache hits, {len(res['idle'])} calls over 50 requests: idle p50 {figures['cache_hit_p50_ms']:.2f} ms, "
        f"p99 {figures['cache_hit_p99_ms']:.2f} ms; under 32 clients p50 {figures['cache_hit_load_p50_ms']:.2f} ms, "
        f"p99 {figures['cache_hit_load_p99_ms']:.2f} ms; load average {res['load_average']}"
    )
    for name, ok in targets.items():
        print(f"target {name}: {'met' if ok else 'MISSED'}")
    if not args.no_write and results.exists():
        result = json.loads(results.read_text())
        result["figures"].update(figures)
        result["targets"].update(targets)
        result["config"]["cache_calls"] = len(res["idle"])
        result["cache_run"] = run
        results.write_text(json.dumps(result, indent=2) + "\n")
        write_docs(result)
    print(json.dumps({**figures, "load_average": res["load_average"]}))
