"""Rewrites the Sampling section of docs/benchmarks.md from bench/results/sampling.json.

    python -m bench.sampling --docs

The section is generated from the result file the benchmark writes, so the figures in the docs
cannot drift from the run that produced them.
"""

from __future__ import annotations

import json
from pathlib import Path

DOCS = Path(__file__).parent.parent / "docs" / "benchmarks.md"


def render(result: dict) -> str:
    """The Sampling section of docs/benchmarks.md, from a result file."""
    m, c, f, t = result["machine"], result["config"], result["figures"], result["targets"]

    def mark(key: str) -> str:
        return "met" if t[key] else "**missed**"

    sweep = "\n".join(
        f"| {n} | {row['tokens_per_s']:,.1f} | {row['ttft_p50_ms']:,.1f} | {row['ttft_p99_ms']:,.1f} | "
        f"{row['itl_p50_ms']:.2f} | {row['itl_p99_ms']:.2f} |"
        for n, row in result["sweep"].items()
    )
    one = (
        f"| Kiln, 1 client | {f['kiln_single_tokens_per_s']:,.1f} | **{f['single_ratio']:.2f}x** (a) "
        f"| >= 1.0x: {mark('single_ratio >= 1.0')} |"
    )
    many = (
        f"| Kiln, 32 clients | {f['kiln_concurrent_tokens_per_s']:,.1f} | **{f['static32_ratio']:.2f}x** (b), "
        f"{f['concurrent_ratio']:.2f}x (a) | >= 1.3x (b): {mark('static32_ratio >= 1.3')} |"
    )
    hits = (
        f"idle p50 **{f['cache_hit_p50_ms']:.2f} ms** (target <= 1 ms: {mark('cache_hit_p50_ms <= 1')}), "
        f"p99 **{f['cache_hit_p99_ms']:.2f} ms** (<= 5 ms: {mark('cache_hit_p99_ms <= 5')});\nwhile 32 clients "
        f"generate, p50 {f['cache_hit_load_p50_ms']:.2f} ms, p99 **{f['cache_hit_load_p99_ms']:.2f} ms** "
        f"(<= 20 ms: {mark('cache_hit_load_p99_ms <= 20')})."
    )
    run = result.get("cache_run")
    if run is None:
        where = ""
    else:
        la = run["load_average"]
        rm = run["machine"]
        kind = "cache-only run (`python -m bench.sampling --cache-only`)" if run["mode"] == "cache-only" else "full run"
        where = (
            f"\nThese come from a {kind}"
            f" on {run['model']}, commit {rm['commit']}, {rm['cpus']} CPUs;\n1-minute load average "
            f"{la['idle_start'][0]} before the idle phase, {la['busy_start'][0]} and {la['busy_end'][0]} "
            "around the loaded one."
        )
    return f"""## Sampling — `python -m bench.sampling`

Written from `bench/results/sampling.json` (`python -m bench.sampling --docs` rewrites this
section from the file). Machine: {m["cpu"]}, {m["cpus"]} CPUs ({", ".join(m["isa_flags"])}),
{m["threads"]} torch thread(s) on both sides, torch {m["torch"]}, commit {m["commit"]}; the machine
was shared with other work (load average well above its core count), so absolute figures are
low and noisy, and the ratios are the comparison.

The model is {c["model"]} trained {c["train_steps"]} SFT steps through the API (so samples end at
EOS at different times: {f["eos_fraction"]:.0%} of the 32-client requests did), deployed on Ray
Serve and called over gRPC. The baselines decode the same weights converted to a Hugging Face
GPT2LMHeadModel with `generate()` in-process, fp32, same threads. Workload: {c["requests"]}
requests, prompts 8-200 tokens, max_tokens 16-256, half greedy and half sampled (temperature
{c["sampled"]["temperature"]}, top-p {c["sampled"]["top_p"]}); batch 1 and 1 client use the first
{c["single_requests"]}. HF static batches are 32 left-padded prompts in arrival order (greedy and
sampled apart), each run to its longest max_tokens; only the tokens each request asked for
count. Kiln clients stream (GenerateStream) from a load generator in its own process.
{c["rounds"]} interleaved round(s) (HF batch 1, Kiln 1 client, HF static 32, Kiln 32 clients), medians.

| run | tokens/s | ratio | target |
|---|---|---|---|
| (a) HF `generate()`, batch 1 | {f["hf_tokens_per_s"]:,.1f} | | |
| (b) HF `generate()`, static batches of 32 | {f["hf_static32_tokens_per_s"]:,.1f} | | |
{one}
{many}

Concurrency sweep (Kiln; TTFT = time to first token, ITL = inter-token latency, ms):

| clients | tokens/s | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 |
|---|---|---|---|---|---|
{sweep}

Cache hits: {c["cache_calls"]} unary calls over 50 distinct deterministic requests from a separate
process: {hits}{where}
A hit never reaches the replica. It passes the gRPC server and its interceptors and makes one
Redis round trip: the API key, the model's route and the tenant's quotas come from the
gateway's in-process cache (kept `KILN_LOCAL_CACHE_TTL_S`, 1 s by default, the bound on how
late another gateway's revocation or undeployment applies here), and one Lua call charges the
quota and reads the entry; the audit entry is written behind the call. The gateway shares the
machine's cores with the replica, the load generator and everything else running on it; the
tail follows the machine's load.

```
{json.dumps({k: v for k, v in f.items() if not k.startswith("sweep_")})}
```
"""


def write_docs(result: dict) -> None:
    text = DOCS.read_text()
    start = text.index("## Sampling")
    end = text.index("\n## ", start + 1) + 1
    DOCS.write_text(text[:start] + render(result) + "\n" + text[end:])
