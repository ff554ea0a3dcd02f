"""Sampling throughput and cache latency: Kiln against Hugging Face `generate()`, one run.

    python -m bench.sampling [--model kiln-gpt-small] [--new-tokens 64] [--prompts 32] [--concurrency 32]

The same weights on both sides: Kiln serves the built-in GPT from a Ray Serve deployment, and
the baseline is that model converted to a Hugging Face GPT2LMHeadModel (identical logits, see
trainer/kiln_trainer/models/hf_convert.py) decoding in-process with `generate()`. All decoding is greedy.

  (a) HF generate(), one prompt at a time (batch 1), in-process;
  (b) Kiln, one client sending the same prompts one after another (unary Generate over gRPC);
  (c) Kiln, `--concurrency` clients at once (continuous batching in the replica);
  (d) Kiln cache hits: the same deterministic request repeated, end-to-end latency over loopback.

Tokens/s counts generated tokens only. The gateway runs in this process on embedded Redis and a
local Ray instance; the replica gets the machine's cores, as the baseline does. The last line
is one JSON object with the figures.
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

import torch


def prompts_for(n: int) -> list[str]:
    from kiln_trainer.data.demo import DEMO_SFT_PATH
    from kiln_trainer.data.formats import read_jsonl

    out = []
    for rec in read_jsonl(DEMO_SFT_PATH, "sft"):
        text = rec.get("prompt") or rec["messages"][0]["content"]
        out.append(text[:200])
        if len(out) == n:
            break
    return out


def bench_hf(model_name: str, prompts: list[str], new_tokens: int) -> tuple[float, int, float]:
    from kiln_trainer.models.hf_convert import to_hf_gpt2
    from kiln_trainer.models.loader import load_causal_lm

    lm = load_causal_lm(model_name)
    hf = to_hf_gpt2(lm.model, lm.eos_token_id)
    tok = lm.tokenizer
    ids = [torch.tensor([tok.encode(p, add_special_tokens=False)]) for p in prompts]
    with torch.no_grad():
        hf.generate(ids[0], max_new_tokens=4, do_sample=False, pad_token_id=lm.pad_token_id)  # warm-up
        tokens, start = 0, time.perf_counter()
        for x in ids:
            out = hf.generate(
                x,
                attention_mask=torch.ones_like(x),
                max_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=lm.pad_token_id,
                eos_token_id=lm.eos_token_id,
            )
            tokens += out.shape[1] - x.shape[1]
        seconds = time.perf_counter() - start
    return tokens / seconds, tokens, seconds


async def bench_kiln(model_name: str, prompts: list[str], new_tokens: int, concurrency: int, cache_calls: int):
    from grpc import aio

    from kiln.v1 import models_pb2, models_pb2_grpc, sampling_pb2, sampling_pb2_grpc
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    cores = os.cpu_count() or 2
    cfg = KilnConfig(
        port=0,
        data_dir=Path(tempfile.mkdtemp(prefix="kiln-bench-")),
        log_json=False,
        log_level="WARNING",
        ray_num_cpus=cores + 2,
        serve_replica_cpus=cores,
        serve_max_batch=max(32, concurrency),
        serve_max_queue=4 * concurrency,
    )
    server, port = await create_server(cfg)
    await server.start()
    await server.tenants.create_tenant("bench")
    _, key = await server.tenants.create_key("bench")
    # The bench measures the engine and the cache, not the per-tenant rate limit (50 calls/s by
    # default): the bench tenant's sampling quotas are lifted.
    from kiln_server.tenants.quotas import QuotaStore

    quotas = QuotaStore(server.redis, server.tenants.keys, cfg.quotas())
    await quotas.set("bench", {"sampling_requests_per_s": 1e6, "sampling_tokens_per_s": 1e9})
    md = (("authorization", f"Bearer {key}"),)
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    models = models_pb2_grpc.ModelServiceStub(channel)
    sampling = sampling_pb2_grpc.SamplingServiceStub(channel)
    try:
        await models.DeployModel(
            models_pb2.DeployModelRequest(name=model_name, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=md
        )

        def request(prompt: str, bypass: bool = True) -> sampling_pb2.GenerateRequest:
            return sampling_pb2.GenerateRequest(
                model=model_name,
                prompt=prompt,
                bypass_cache=bypass,
                params=sampling_pb2.SamplingParams(temperature=0.0, max_tokens=new_tokens),
            )

        await sampling.Generate(request(prompts[0]), metadata=md)  # warm-up
        tokens, start = 0, time.perf_counter()
        for p in prompts:
            tokens += (await sampling.Generate(request(p), metadata=md)).usage.completion_tokens
        single = (tokens / (time.perf_counter() - start), tokens)

        work = [prompts[i % len(prompts)] for i in range(concurrency * 2)]
        queue: asyncio.Queue[str] = asyncio.Queue()
        for p in work:
            queue.put_nowait(p)
        counted = 0

        async def client() -> None:
            nonlocal counted
            while not queue.empty():
                p = queue.get_nowait()
                tokens = (await sampling.Generate(request(p), metadata=md)).usage.completion_tokens
                counted += tokens  # after the await: `counted += await ...` would read it too early

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        concurrent = (counted / (time.perf_counter() - start), counted)

        hit_req = request(prompts[0], bypass=False)
        await sampling.Generate(hit_req, metadata=md)  # fills the cache
        latencies = []
        for _ in range(cache_calls):
            t = time.perf_counter()
            resp = await sampling.Generate(hit_req, metadata=md)
            latencies.append((time.perf_counter() - t) * 1000)
            assert resp.cached
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        await models.UndeployModel(models_pb2.UndeployModelRequest(name=model_name), metadata=md)
        return single, concurrent, p50, p99
    finally:
        await channel.close()
        await server.stop(grace=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="kiln-gpt-small")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--cache-calls", type=int, default=500)
    args = ap.parse_args()
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    prompts = prompts_for(args.prompts)

    (single, concurrent, p50, p99) = asyncio.run(
        bench_kiln(args.model, prompts, args.new_tokens, args.concurrency, args.cache_calls)
    )
    hf_tps, hf_tokens, _ = bench_hf(args.model, prompts, args.new_tokens)

    rows = [
        ("(a) HF generate(), batch 1", hf_tps, hf_tokens, 1.0),
        ("(b) Kiln, 1 client", single[0], single[1], single[0] / hf_tps),
        (f"(c) Kiln, {args.concurrency} clients", concurrent[0], concurrent[1], concurrent[0] / hf_tps),
    ]
    print(f"\nmodel {args.model}, greedy, up to {args.new_tokens} new tokens, {len(prompts)} prompts")
    print(f"{'run':<28}{'tokens/s':>12}{'tokens':>10}{'vs (a)':>10}")
    for name, tps, n, ratio in rows:
        print(f"{name:<28}{tps:>12.1f}{n:>10}{ratio:>9.2f}x")
    print(f"(d) cache hits, {args.cache_calls} calls: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(
        json.dumps(
            {
                "hf_tokens_per_s": round(hf_tps, 1),
                "kiln_single_tokens_per_s": round(single[0], 1),
                "kiln_concurrent_tokens_per_s": round(concurrent[0], 1),
                "single_ratio": round(single[0] / hf_tps, 3),
                "concurrent_ratio": round(concurrent[0] / hf_tps, 3),
                "cache_hit_p50_ms": round(p50, 3),
                "cache_hit_p99_ms": round(p99, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
