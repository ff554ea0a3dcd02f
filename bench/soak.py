"""Soak: many clients sampling and submitting feedback against one gateway for a few minutes.

    python -m bench.soak [--duration 180] [--clients 16] [--quick]

Bounded and loopback only: the gateway runs in this process (embedded Redis, a local Ray
instance, kiln-gpt-tiny on one Ray Serve replica) and listens on 127.0.0.1. Each client loops:
Generate (a short completion, the result cache bypassed so every call reaches the replica), then
SubmitFeedback (thumbs) on the sample it got. Every call counts as one request; any non-OK status
is an error. Memory growth is the RSS of this process (the gateway plus the clients, whose
latency lists are a few MB at most) at the end against its RSS after a warm-up of 10% of the run,
so imports and the first connections are not counted as growth.

There is no baseline to interleave with: this measures that nothing degrades over time (errors,
tail latency, memory), not speed against an alternative. The bench tenant's sampling quotas are
raised for the run (the defaults would refuse most calls of 16 tight loops by design).
The last line is one JSON object: {"requests", "errors", "p50_ms", "p99_ms", "rss_growth_pct"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def soak(duration_s: float, clients: int, model: str) -> dict:
    import grpc
    from grpc import aio

    from kiln.v1 import feedback_pb2, feedback_pb2_grpc, models_pb2, models_pb2_grpc, sampling_pb2, sampling_pb2_grpc
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    cfg = KilnConfig(
        port=0,
        data_dir=Path(tempfile.mkdtemp(prefix="kiln-soak-")),
        log_json=False,
        log_level="WARNING",
        serve_max_batch=max(32, clients),
        serve_max_queue=4 * clients,
    )
    server, port = await create_server(cfg)
    await server.start()
    await server.tenants.create_tenant("soak")
    _, key = await server.tenants.create_key("soak")
    md = (("authorization", f"Bearer {key}"),)
    from kiln_server.tenants.quotas import QuotaStore

    quotas = QuotaStore(server.redis, server.tenants.keys, cfg.quotas())
    await quotas.set("soak", {"sampling_requests_per_s": 1e6, "sampling_tokens_per_s": 1e9})
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    sampling = sampling_pb2_grpc.SamplingServiceStub(channel)
    feedback = feedback_pb2_grpc.FeedbackServiceStub(channel)
    models = models_pb2_grpc.ModelServiceStub(channel)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    try:
        await models.DeployModel(
            models_pb2.DeployModelRequest(name=model, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=md
        )
        request = sampling_pb2.GenerateRequest(
            model=model,
            prompt="The kiln fires the clay",
            bypass_cache=True,
            params=sampling_pb2.SamplingParams(temperature=0.8, max_tokens=8),
        )
        await sampling.Generate(request, metadata=md)  # warm-up: the replica is loaded
        start = time.perf_counter()
        warm_until = start + 0.1 * duration_s
        end = start + duration_s
        baseline_rss: int | None = None

        async def timed(call) -> object | None:
            t = time.perf_counter()
            try:
                reply = await call
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
                return None
            latencies.append((time.perf_counter() - t) * 1000)
            return reply

        async def client(i: int) -> None:
            n = 0
            while time.perf_counter() < end:
                reply = await timed(sampling.Generate(request, metadata=md))
                if reply is None:
                    continue
                sample = reply.completions[0].sample_id  # type: ignore[attr-defined]
                n += 1
                fb = feedback_pb2.SubmitFeedbackRequest(
                    feedback=feedback_pb2.Feedback(sample_id=sample, thumbs=feedback_pb2.Thumbs(up=n % 2 == 0)),
                    feedback_id=f"c{i}-{n}",
                )
                await timed(feedback.SubmitFeedback(fb, metadata=md))

        async def sample_rss() -> None:
            nonlocal baseline_rss
            await asyncio.sleep(max(0.0, warm_until - time.perf_counter()))
            baseline_rss = rss_bytes()

        await asyncio.gather(sample_rss(), *(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - start
        final_rss = rss_bytes()
        await models.UndeployModel(models_pb2.UndeployModelRequest(name=model), metadata=md)
    finally:
        await channel.close()
        await server.stop(grace=1)
    latencies.sort()
    assert baseline_rss
    return {
        "requests": len(latencies) + sum(errors.values()),
        "errors": sum(errors.values()),
        "error_codes": errors,
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2) if latencies else None,
        "rss_growth_pct": round(100 * (final_rss - baseline_rss) / baseline_rss, 2),
        "rss_mb": [round(baseline_rss / 2**20, 1), round(final_rss / 2**20, 1)],
        "seconds": round(elapsed, 1),
        "requests_per_s": round((len(latencies) + sum(errors.values())) / elapsed, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=180.0, help="seconds of load (default 180)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--model", default="kiln-gpt-tiny")
    ap.add_argument("--quick", action="store_true", help="30 s instead of --duration")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "soak.json"))
    args = ap.parse_args()
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    # On a loaded shared machine Ray's default 30 s for a raylet to register is too short.
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "180")
    duration = 30.0 if args.quick else args.duration
    from bench.machine import machine

    result = asyncio.run(soak(duration, args.clients, args.model))
    record = {
        "benchmark": "soak",
        "config": {"duration_s": duration, "clients": args.clients, "model": args.model, "max_tokens": 8},
        "machine": machine(),
        "result": result,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")
    print(f"machine: {record['machine']}")
    print(
        f"{args.clients} clients, {result['seconds']} s: {result['requests']} requests "
        f"({result['requests_per_s']}/s), {result['errors']} errors {result['error_codes']}, "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, RSS {result['rss_mb'][0]} -> "
        f"{result['rss_mb'][1]} MB ({result['rss_growth_pct']}%)"
    )
    print(json.dumps({k: result[k] for k in ("requests", "errors", "p50_ms", "p99_ms", "rss_growth_pct")}))


if __name__ == "__main__":
    main()
