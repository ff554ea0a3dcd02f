"""Where a sampling cache hit spends its time in the gateway: a profile, not a benchmark.

    python -m bench.cache_hit_profile [--calls 1000]

Starts a gateway without Ray (only its gRPC server, on the embedded Redis), records a READY
deployment of the built-in kiln-gpt-tiny and 50 cache entries straight in Redis, then makes
`calls` unary Generate hits from a client in its own process. Prints the client's latency
percentiles, the gateway's own time per call (interceptors + handler, from inside the server),
and every Redis command a hit sent, with how long the gateway waited for each. The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

MODEL = "kiln-gpt-tiny"


def _requests(n: int) -> list[dict]:
    return [
        {"prompt": f"profile prompt {i}", "prompt_tokens": 3, "max_tokens": 8, "greedy": True, "seed": 0}
        for i in range(n)
    ]


async def _run(calls: int) -> dict:
    import redis.asyncio as aioredis
    from redis.asyncio.client import Pipeline

    from bench.sampling import _request, cache_worker
    from kiln.v1 import sampling_pb2
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig
    from kiln_server.sampling import requests
    from kiln_server.sampling.cache import SamplingCache, request_digest
    from kiln_server.sampling.deployments import DeploymentStore
    from kiln_server.sampling.record import DeploymentRecord
    from kiln_server.tenants.quotas import QuotaStore

    cfg = KilnConfig(port=0, data_dir=Path(tempfile.mkdtemp(prefix="kiln-prof-")), log_json=False, log_level="WARNING")
    server, port = await create_server(cfg)
    await server.grpc.start()  # no scheduler: nothing here needs Ray
    keys = server.tenants.keys
    await server.tenants.create_tenant("prof")
    _, key = await server.tenants.create_key("prof")
    await QuotaStore(server.redis, keys, cfg.quotas()).set(
        "prof", {"sampling_requests_per_s": 1e6, "sampling_tokens_per_s": 1e9}
    )
    version = f"{MODEL}@builtin-seed0"
    await DeploymentStore(server.redis, keys).put(
        "prof", MODEL, DeploymentRecord(target="RAY_SERVE", app="none", version=version, state="READY")
    )
    cache = SamplingCache(server.redis, keys, 3600, 1 << 30)
    reqs = _requests(50)
    for r in reqs:
        call = requests.parse(_request(sampling_pb2, MODEL, r, bypass=False))
        resp = sampling_pb2.GenerateResponse(
            completions=[sampling_pb2.Completion(text="x" * 40, sample_id="samples/s")], model_version=version
        )
        digest = request_digest(call.prompt, call.params.canonical(), call.n)
        await cache.put("prof", version, digest, resp.SerializeToString(), None)

    waits: dict[str, list[float]] = defaultdict(list)
    plain, piped = aioredis.Redis.execute_command, Pipeline.execute

    async def timed(self, *args, **kw):
        t = time.perf_counter()
        try:
            return await plain(self, *args, **kw)
        finally:
            name = str(args[0]).split()[0].upper()
            if name != "PING":
                waits[name].append((time.perf_counter() - t) * 1000)

    async def timed_pipe(self, *args, **kw):
        t = time.perf_counter()
        try:
            return await piped(self, *args, **kw)
        finally:
            waits["PIPELINE"].append((time.perf_counter() - t) * 1000)

    handler: list[float] = []
    from kiln_server.platform import metrics

    observe = metrics.RPC_LATENCY.labels("/kiln.v1.SamplingService/Generate").observe

    def seen(seconds: float) -> None:
        handler.append(seconds * 1000)
        observe(seconds)

    setattr(metrics.RPC_LATENCY.labels("/kiln.v1.SamplingService/Generate"), "observe", seen)  # noqa: B010
    aioredis.Redis.execute_command = timed  # type: ignore[method-assign]
    Pipeline.execute = timed_pipe  # type: ignore[method-assign]
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
    try:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(pool, cache_worker, port, key, MODEL, reqs, 50)  # warm-up
        waits.clear()
        handler.clear()
        load = os.getloadavg()[0]
        client = await loop.run_in_executor(pool, cache_worker, port, key, MODEL, reqs, calls)
        await asyncio.sleep(0.2)  # audit writes behind the last calls
    finally:
        aioredis.Redis.execute_command = plain  # type: ignore[method-assign]
        Pipeline.execute = piped  # type: ignore[method-assign]
        pool.shutdown()
        await server.stop(grace=0)
    return {"client": client, "handler": handler, "waits": dict(waits), "load": load}


def main() -> None:
    from bench.sampling import pct

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=1000)
    args = ap.parse_args()
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    res = asyncio.run(_run(args.calls))
    n = len(res["client"])
    out = {
        "calls": n,
        "client_p50_ms": round(statistics.median(res["client"]), 3),
        "client_p99_ms": round(pct(res["client"], 0.99), 3),
        "server_p50_ms": round(statistics.median(res["handler"]), 3),
        "server_p99_ms": round(pct(res["handler"], 0.99), 3),
        "redis_per_hit": {
            k: {"count": round(len(v) / n, 2), "p50_ms": round(statistics.median(v), 3)}
            for k, v in sorted(res["waits"].items())
        },
        "load_average_1m": round(res["load"], 2),
    }
    print(f"{n} hits: client p50 {out['client_p50_ms']} ms p99 {out['client_p99_ms']} ms; ")
    print(f"inside the gateway (interceptors + handler): p50 {out['server_p50_ms']} ms p99 {out['server_p99_ms']} ms")
    for k, v in out["redis_per_hit"].items():
        print(f"  redis {k:<10} {v['count']:>5} per hit, p50 wait {v['p50_ms']} ms")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
