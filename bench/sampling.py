"""Serving under a realistic workload: Kiln over gRPC against Hugging Face `generate()`, one run.

    python -m bench.sampling [--quick] [--clients 1,4,16,32,64] [--rounds 2]
    python -m bench.sampling --cache-only      # only (d), a few minutes (bench/sampling_cache.py)

The model is trained first, through the API (an SFT job on kiln-gpt-small over the demo data),
so that samples end at EOS at different times, and then deployed on Ray Serve. The baselines
decode the same weights converted to a Hugging Face GPT2LMHeadModel (identical logits, see
trainer/kiln_trainer/models/hf_convert.py) in this process, with the same threads and fp32.

The workload (fixed seed): prompt lengths spread over 8-200 tokens, max_tokens over 16-256,
half greedy and half sampled (temperature 0.8, top-p 0.95, seeded).

  (a) HF generate(), one request at a time (batch 1);
  (b) HF generate(), static batches of 32 left-padded prompts in arrival order, greedy and
      sampled requests batched apart; a batch runs to its longest max_tokens (or all at EOS)
      and only each request's own tokens (up to its max_tokens or EOS) are counted;
  (c) Kiln, a concurrency sweep: 1, 4, 16, 32, 64 clients streaming (GenerateStream) from a
      load generator in its own process; aggregate tokens/s, time to first token and
      inter-token latency;
  (d) Kiln cache hits: 1,000 unary calls over 50 distinct deterministic requests from a separate
      process, with the server idle and while 32 clients are generating.

(a) against 1 client and (b) against 32 clients run in interleaved rounds (ABAB), medians.
Tokens/s counts generated tokens only. The machine is shared with other work, so absolute
figures are noisy; the ratios are the comparison. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

RESULTS = Path(__file__).parent / "results" / "sampling.json"
SAMPLED = {"temperature": 0.8, "top_p": 0.95}
SWEEP_ONLY = ("tokens", "eos_fraction")  # in the result file's sweep table, not the last line


@dataclass
class Req:
    prompt: str
    prompt_tokens: int
    max_tokens: int
    greedy: bool
    seed: int


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# -- the workload ----------------------------------------------------------------------------------
def make_workload(tokenizer, n: int, context: int, seed: int = 0) -> list[Req]:
    """n requests: prompts of 8-200 tokens cut from the demo text, max_tokens 16-256, half greedy."""
    from kiln_trainer.data.demo import DEMO_SFT_PATH
    from kiln_trainer.data.formats import read_jsonl

    texts = []
    for rec in read_jsonl(DEMO_SFT_PATH, "sft"):
        texts.append(rec.get("prompt") or rec["messages"][0]["content"])
    pool = tokenizer.encode("\n".join(texts), add_special_tokens=False)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        want = rng.randint(8, 200)
        start = rng.randrange(0, len(pool) - want)
        prompt = tokenizer.decode(pool[start : start + want])
        ids = tokenizer.encode(prompt, add_special_tokens=False)
        max_tokens = min(rng.randint(16, 256), context - len(ids))
        out.append(Req(prompt, len(ids), max_tokens, greedy=i % 2 == 0, seed=1000 + i))
    return out


# -- the baselines ---------------------------------------------------------------------------------
class HF:
    def __init__(self, weights_dir: str):
        from kiln_trainer.models.hf_convert import to_hf_gpt2
        from kiln_trainer.models.loader import load_causal_lm

        lm = load_causal_lm(weights_dir)
        self.model = to_hf_gpt2(lm.model, lm.eos_token_id).eval()
        self.tok = lm.tokenizer
        self.eos, self.pad = lm.eos_token_id, lm.pad_token_id
        self.generate([Req("warm up", 2, 4, True, 0)], 1)

    def _kwargs(self, r: Req, max_new: int) -> dict:
        sampled = {} if r.greedy else {"do_sample": True, "top_k": 0, **SAMPLED}
        return {
            "max_new_tokens": max_new,
            "do_sample": False,
            **sampled,
            "pad_token_id": self.pad,
            "eos_token_id": self.eos,
        }

    @torch.no_grad()
    def generate(self, reqs: list[Req], batch: int) -> tuple[int, float]:
        """(useful generated tokens, seconds). batch 1: one at a time; else static left-padded batches."""
        tokens, start = 0, time.perf_counter()
        if batch == 1:
            for r in reqs:
                torch.manual_seed(r.seed)
                x = torch.tensor([self.tok.encode(r.prompt, add_special_tokens=False)])
                out = self.model.generate(x, attention_mask=torch.ones_like(x), **self._kwargs(r, r.max_tokens))
                tokens += _useful(out[0, x.shape[1] :].tolist(), r.max_tokens, self.eos)
            return tokens, time.perf_counter() - start
        for group in ([r for r in reqs if r.greedy], [r for r in reqs if not r.greedy]):
            for i in range(0, len(group), batch):
                chunk = group[i : i + batch]
                ids = [self.tok.encode(r.prompt, add_special_tokens=False) for r in chunk]
                S = max(len(p) for p in ids)
                x = torch.full((len(ids), S), self.pad, dtype=torch.long)
                mask = torch.zeros_like(x)
                for j, p in enumerate(ids):
                    x[j, S - len(p) :] = torch.tensor(p)
                    mask[j, S - len(p) :] = 1
                torch.manual_seed(chunk[0].seed)
                longest = max(r.max_tokens for r in chunk)
                out = self.model.generate(x, attention_mask=mask, **self._kwargs(chunk[0], longest))
                for j, r in enumerate(chunk):
                    tokens += _useful(out[j, S:].tolist(), r.max_tokens, self.eos)
        return tokens, time.perf_counter() - start


def _useful(ids: list[int], max_tokens: int, eos: int) -> int:
    """Tokens a request actually asked for: up to its own max_tokens, EOS excluded, as Kiln counts."""
    ids = ids[:max_tokens]
    return ids.index(eos) if eos in ids else len(ids)


# -- the load generator (its own process) --------------------------------------------------------------
def _request(sampling_pb2, model: str, r: dict, bypass: bool = True):
    p = sampling_pb2.SamplingParams(max_tokens=r["max_tokens"])
    if r["greedy"]:
        p.temperature = 0.0
    else:
        p.temperature, p.top_p, p.seed = SAMPLED["temperature"], SAMPLED["top_p"], r["seed"]
    return sampling_pb2.GenerateRequest(model=model, prompt=r["prompt"], params=p, bypass_cache=bypass)


def load_worker(port: int, key: str, model: str, reqs: list[dict], clients: int, stop_file: str = "") -> dict:
    """`clients` concurrent streams over `reqs` (in order; looping until `stop_file` exists if set).

    Returns aggregate tokens/s, per-request time to first token and every inter-token gap.
    """
    return asyncio.run(_load(port, key, model, reqs, clients, stop_file))


async def _load(port: int, key: str, model: str, reqs: list[dict], clients: int, stop_file: str) -> dict:
    from grpc import aio

    from kiln.v1 import sampling_pb2, sampling_pb2_grpc

    md = (("authorization", f"Bearer {key}"),)
    async with aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = sampling_pb2_grpc.SamplingServiceStub(channel)
        ttft: list[float] = []
        gaps: list[float] = []
        total = 0
        nxt = 0
        finished = {"stop": 0, "length": 0}

        def take() -> dict | None:
            nonlocal nxt
            if stop_file:
                if os.path.exists(stop_file):
                    return None
            elif nxt >= len(reqs):
                return None
            r = reqs[nxt % len(reqs)]
            nxt += 1
            return r

        async def client() -> None:
            nonlocal total
            while (r := take()) is not None:
                t0 = time.perf_counter()
                last = None
                async for msg in stub.GenerateStream(_request(sampling_pb2, model, r), metadata=md):
                    if msg.finish_reason == sampling_pb2.FINISH_REASON_STOP:
                        finished["stop"] += 1
                    elif msg.finish_reason == sampling_pb2.FINISH_REASON_LENGTH:
                        finished["length"] += 1
                    k = len(msg.token_ids)
                    if not k:
                        continue
                    now = time.perf_counter()
                    if last is None:
                        ttft.append(now - t0)
                        k -= 1  # the first token's wait is TTFT, not an inter-token gap
                    else:
                        gaps.extend([(now - last) / k] * k)
                    total += len(msg.token_ids)
                    last = now

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        seconds = time.perf_counter() - start
    return {"tokens": total, "seconds": seconds, "ttft": ttft, "gaps": gaps, **finished}


def cache_worker(port: int, key: str, model: str, reqs: list[dict], calls: int) -> list[float]:
    """Unary calls cycling over deterministic `reqs` (already cached); each call's latency in ms."""

    async def run() -> list[float]:
        from grpc import aio

        from kiln.v1 import sampling_pb2, sampling_pb2_grpc

        md = (("authorization", f"Bearer {key}"),)
        out = []
        async with aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = sampling_pb2_grpc.SamplingServiceStub(channel)
            msgs = [_request(sampling_pb2, model, r, bypass=False) for r in reqs]
            await stub.Generate(msgs[0], metadata=md)  # connects the channel
            for i in range(calls):
                t = time.perf_counter()
                resp = await stub.Generate(msgs[i % len(msgs)], metadata=md)
                out.append((time.perf_counter() - t) * 1000)
                if not resp.cached:
                    raise RuntimeError(f"call {i} missed the cache")
        return out

    return asyncio.run(run())


# -- the run ---------------------------------------------------------------------------------------
async def start_gateway(args):
    """A gateway (embedded Redis, local Ray) and a bench tenant whose sampling quotas are lifted:
    (server, port, API key, config)."""
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    cores = os.cpu_count() or 2
    threads = torch.get_num_threads()
    top = max(args.clients)
    cfg = KilnConfig(
        port=0,
        data_dir=Path(tempfile.mkdtemp(prefix="kiln-bench-")),
        log_json=False,
        log_level="WARNING",
        ray_num_cpus=cores + 2,
        serve_replica_cpus=threads,
        serve_max_batch=max(32, top),
        serve_max_queue=4 * top,
    )
    for attempt in range(3):
        server, port = await create_server(cfg)
        try:
            await server.start()
            break
        except Exception as exc:  # Ray gives its raylet 30 s to start; a loaded machine can miss that
            if "timed out during startup" not in str(exc) or attempt == 2:
                raise
            print(f"Ray did not start in time ({exc}); retrying", flush=True)
            import ray

            ray.shutdown()
            try:
                await server.stop(grace=0)
            except Exception:  # a half-started server: stop what there is, start afresh
                log_stop = "stopping the half-started gateway failed"
                print(log_stop, flush=True)
    await server.tenants.create_tenant("bench")
    _, key = await server.tenants.create_key("bench")
    # The bench measures the engine and the cache, not the per-tenant rate limit (50 calls/s by
    # default): the bench tenant's sampling quotas are lifted.
    from kiln_server.tenants.quotas import QuotaStore

    quotas = QuotaStore(server.redis, server.tenants.keys, cfg.quotas())
    await quotas.set("bench", {"sampling_requests_per_s": 1e6, "sampling_tokens_per_s": 1e9})
    return server, port, key, cfg


async def run(args) -> dict:
    from grpc import aio

    from bench.sampling_cache import cache_phase
    from kiln.v1 import (
        datasets_pb2,
        datasets_pb2_grpc,
        jobs_pb2,
        jobs_pb2_grpc,
        models_pb2,
        models_pb2_grpc,
        sampling_pb2,
        sampling_pb2_grpc,
    )
    from kiln_server.platform.artifacts import ArtifactStore, rel_of

    threads = torch.get_num_threads()
    server, port, key, cfg = await start_gateway(args)
    md = (("authorization", f"Bearer {key}"),)
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    pool = ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn"))
    loop = asyncio.get_running_loop()
    try:
        # 1. Train through the API, so samples stop at EOS at different times.
        datasets = datasets_pb2_grpc.DatasetServiceStub(channel)
        jobs = jobs_pb2_grpc.JobServiceStub(channel)
        models = models_pb2_grpc.ModelServiceStub(channel)
        from kiln_trainer.data.demo import DEMO_SFT_PATH

        data = Path(DEMO_SFT_PATH).read_bytes()

        async def upload():
            yield datasets_pb2.UploadDatasetRequest(
                metadata=datasets_pb2.DatasetMetadata(display_name="demo", format=datasets_pb2.DATASET_FORMAT_SFT)
            )
            for i in range(0, len(data), 1 << 16):
                yield datasets_pb2.UploadDatasetRequest(chunk=data[i : i + (1 << 16)])

        ds = await datasets.UploadDataset(upload(), metadata=md)
        t = time.perf_counter()
        hp = jobs_pb2.Hyperparameters(
            max_steps=args.train_steps, batch_size=16, max_seq_len=64, learning_rate=1e-3, warmup_steps=10,
            log_every=max(1, args.train_steps // 4), eval_every=args.train_steps, checkpoint_every=args.train_steps,
        )  # fmt: skip
        job = await jobs.CreateJob(
            jobs_pb2.CreateJobRequest(
                job=jobs_pb2.Job(
                    method=jobs_pb2.JOB_METHOD_SFT, base_model=args.model, training_dataset=ds.name, hyperparameters=hp
                )
            ),
            metadata=md,
        )
        async for _ in jobs.WatchJob(jobs_pb2.WatchJobRequest(name=job.name), metadata=md):
            pass
        done = await jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=md)
        if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
            raise RuntimeError(f"training job ended {jobs_pb2.JobState.Name(done.state)}: {done.error}")
        model = await models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=md)
        weights = ArtifactStore(cfg.artifact_root).local_path(rel_of(model.artifact_uri))
        print(f"trained {args.model} {args.train_steps} steps through the API in {time.perf_counter() - t:.0f}s")
        await models.DeployModel(
            models_pb2.DeployModelRequest(name=model.name, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=md
        )

        hf = HF(str(weights))
        work = make_workload(hf.tok, args.requests, int(hf.model.config.n_positions))
        single = work[: args.single_requests]
        as_dicts = [asdict(r) for r in work]
        sampling = sampling_pb2_grpc.SamplingServiceStub(channel)
        await sampling.Generate(_request(sampling_pb2, model.name, as_dicts[0]), metadata=md)  # warm-up

        async def kiln(reqs: list[dict], clients: int, stop_file: str = "") -> dict:
            return await loop.run_in_executor(
                pool, load_worker, port, key, model.name, reqs, clients, stop_file
            )  # fmt: skip

        await kiln(as_dicts[:2], 2)  # starts the worker process and its channel
        hf_b1, hf_s32, k1, k32 = [], [], [], []
        for rnd in range(args.rounds):
            n, s = hf.generate(single, 1)
            hf_b1.append(n / s)
            r = await kiln([asdict(x) for x in single], 1)
            k1.append(r)
            n, s = hf.generate(work, 32)
            hf_s32.append(n / s)
            r = await kiln(as_dicts, 32)
            k32.append(r)
            one, many = k1[-1]["tokens"] / k1[-1]["seconds"], k32[-1]["tokens"] / k32[-1]["seconds"]
            print(
                f"round {rnd + 1}: HF b1 {hf_b1[-1]:.0f} tok/s, Kiln 1 client {one:.0f}; "
                f"HF static32 {hf_s32[-1]:.0f}, Kiln 32 clients {many:.0f}",
                flush=True,
            )
        sweep = {}
        for c in args.clients:
            if c == 1:
                runs = k1
            elif c == 32:
                runs = k32
            else:
                runs = [await kiln(as_dicts if c <= len(as_dicts) else as_dicts * 2, c)]
            sweep[c] = _summary(runs)

        # Cache hits: 50 distinct deterministic requests, filled once, then 1,000 calls.
        hits = await cache_phase(sampling, md, pool, port, key, model.name, hf.tok, as_dicts, args.cache_calls)
        await models.UndeployModel(models_pb2.UndeployModelRequest(name=model.name), metadata=md)
        return {
            "hf_b1": statistics.median(hf_b1),
            "hf_s32": statistics.median(hf_s32),
            "sweep": sweep,
            "idle": hits["idle"],
            "busy": hits["busy"],
            "load_average": hits["load_average"],
            "requests": len(work),
            "single_requests": len(single),
            "threads": threads,
        }
    finally:
        pool.shutdown(cancel_futures=True)
        await channel.close()
        await server.stop(grace=1)


def _summary(runs: list[dict]) -> dict:
    tps = statistics.median(r["tokens"] / r["seconds"] for r in runs)
    ttft = [x * 1000 for r in runs for x in r["ttft"]]
    gaps = [x * 1000 for r in runs for x in r["gaps"]]
    return {
        "tokens_per_s": round(tps, 1),
        "ttft_p50_ms": round(pct(ttft, 0.5), 1),
        "ttft_p99_ms": round(pct(ttft, 0.99), 1),
        "itl_p50_ms": round(pct(gaps, 0.5), 2),
        "itl_p99_ms": round(pct(gaps, 0.99), 2),
        "tokens": sum(r["tokens"] for r in runs),
        "eos_fraction": round(sum(r["stop"] for r in runs) / max(1, sum(r["stop"] + r["length"] for r in runs)), 3),
    }


def main() -> None:
    from bench.sampling_docs import write_docs

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="kiln-gpt-small")
    ap.add_argument("--quick", action="store_true", help="fewer requests, steps and calls: a smoke run")
    ap.add_argument("--clients", default="1,4,16,32,64")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--requests", type=int, default=None, help="workload size for 4+ clients and static batches")
    ap.add_argument("--single-requests", type=int, default=None, help="requests for batch 1 and 1 client")
    ap.add_argument("--train-steps", type=int, default=None)
    ap.add_argument("--cache-calls", type=int, default=1000)
    # One thread by default: on a small machine shared with other work, OpenMP threads spinning
    # against each other make both sides slower and noisier; both sides always use the same count.
    ap.add_argument("--threads", type=int, default=1, help="torch threads, for HF and for the replica alike")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results/sampling.json")
    ap.add_argument("--docs", action="store_true", help="only rewrite the docs section from the result file")
    ap.add_argument(
        "--cache-only", action="store_true", help="only the cache-hit phase, idle and under 32 clients (minutes)"
    )
    args = ap.parse_args()
    if args.docs:
        write_docs(json.loads(RESULTS.read_text()))
        return
    if args.cache_only:
        from bench.sampling_cache import cache_only_main

        args.clients = [32]
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
        torch.set_num_threads(args.threads)
        cache_only_main(args, RESULTS)
        return
    defaults = (1, 32, 4, 30, 200) if args.quick else (2, 64, 8, 80, 1000)
    args.rounds = args.rounds or defaults[0]
    args.requests = args.requests or defaults[1]
    args.single_requests = args.single_requests or defaults[2]
    args.train_steps = args.train_steps or defaults[3]
    if args.quick and args.cache_calls == 1000:
        args.cache_calls = defaults[4]
    args.clients = [int(c) for c in args.clients.split(",")]
    for must in (1, 32):
        if must not in args.clients:
            args.clients.append(must)
    args.clients.sort()
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    torch.set_num_threads(args.threads)

    from bench.machine import machine

    res = asyncio.run(run(args))
    mach = machine(threads=res["threads"])
    hf_b1, hf_s32, sweep = res["hf_b1"], res["hf_s32"], res["sweep"]
    idle, busy = res["idle"], res["busy"]
    k1, k32 = sweep[1]["tokens_per_s"], sweep[32]["tokens_per_s"]
    figures = {
        "hf_tokens_per_s": round(hf_b1, 1),
        "kiln_single_tokens_per_s": k1,
        "kiln_concurrent_tokens_per_s": k32,
        "single_ratio": round(k1 / hf_b1, 3),
        "concurrent_ratio": round(k32 / hf_b1, 3),
        "cache_hit_p50_ms": round(statistics.median(idle), 3),
        "cache_hit_p99_ms": round(pct(idle, 0.99), 3),
        "hf_static32_tokens_per_s": round(hf_s32, 1),
        "static32_ratio": round(k32 / hf_s32, 3),
        "cache_hit_load_p50_ms": round(statistics.median(busy), 3),
        "cache_hit_load_p99_ms": round(pct(busy, 0.99), 3),
        **{f"sweep_{c}_{k}": v for c, row in sweep.items() for k, v in row.items() if k not in SWEEP_ONLY},
        "eos_fraction": sweep[32]["eos_fraction"],
    }
    targets = {
        "single_ratio >= 1.0": figures["single_ratio"] >= 1.0,
        "static32_ratio >= 1.3": figures["static32_ratio"] >= 1.3,
        "cache_hit_p50_ms <= 1": figures["cache_hit_p50_ms"] <= 1.0,
        "cache_hit_p99_ms <= 5": figures["cache_hit_p99_ms"] <= 5.0,
        "cache_hit_load_p99_ms <= 20": figures["cache_hit_load_p99_ms"] <= 20.0,
    }
    m = mach
    print(
        f"\nmachine: {m['cpu']}, {m['cpus']} cpus, isa {','.join(m['isa_flags'])}, threads {m['threads']}, "
        f"torch {m['torch']}, commit {m['commit']}"
    )
    print(
        f"model {args.model} trained {args.train_steps} steps; {res['requests']} requests (prompts 8-200 tokens, "
        f"max_tokens 16-256, half greedy), {res['single_requests']} for batch 1; {args.rounds} interleaved rounds"
    )
    print(f"requests that ended at EOS (32 clients): {sweep[32]['eos_fraction']:.0%}")
    print(f"{'run':<34}{'tokens/s':>10}{'ratio':>9}")
    print(f"{'(a) HF generate, batch 1':<34}{hf_b1:>10.1f}")
    print(f"{'(b) HF generate, static batch 32':<34}{hf_s32:>10.1f}")
    print(f"{'Kiln, 1 client vs (a)':<34}{k1:>10.1f}{k1 / hf_b1:>8.2f}x")
    print(f"{'Kiln, 32 clients vs (b)':<34}{k32:>10.1f}{k32 / hf_s32:>8.2f}x")
    print(f"\n{'clients':>8}{'tokens/s':>10}{'TTFT p50':>10}{'TTFT p99':>10}{'ITL p50':>9}{'ITL p99':>9}  (ms)")
    for c, row in sweep.items():
        print(
            f"{c:>8}{row['tokens_per_s']:>10.1f}{row['ttft_p50_ms']:>10.1f}{row['ttft_p99_ms']:>10.1f}"
            f"{row['itl_p50_ms']:>9.2f}{row['itl_p99_ms']:>9.2f}"
        )
    print(
        f"(d) cache hits, {len(idle)} calls over 50 requests: idle p50 {figures['cache_hit_p50_ms']:.2f} ms, "
        f"p99 {figures['cache_hit_p99_ms']:.2f} ms; under 32 clients p50 {figures['cache_hit_load_p50_ms']:.2f} ms, "
        f"p99 {figures['cache_hit_load_p99_ms']:.2f} ms"
    )
    for name, ok in targets.items():
        print(f"target {name}: {'met' if ok else 'MISSED'}")
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {
                    "benchmark": "sampling",
                    "machine": mach,
                    "config": {
                        "model": args.model,
                        "train_steps": args.train_steps,
                        "requests": res["requests"],
                        "single_requests": res["single_requests"],
                        "rounds": args.rounds,
                        "cache_calls": len(idle),
                        "quick": args.quick,
                        "sampled": SAMPLED,
                    },
                    "sweep": {str(c): row for c, row in sweep.items()},
                    "figures": figures,
                    "targets": targets,
                    "cache_run": {
                        "mode": "full",
                        "model": f"{args.model} (trained)",
                        "calls": len(idle),
                        "machine": mach,
                        "load_average": res["load_average"],
                    },
                },
                indent=2,
            )
            + "\n"
        )
        if not args.quick:  # a smoke run's figures do not go into the docs
            write_docs(json.loads(RESULTS.read_text()))
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
