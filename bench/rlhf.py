"""RLHF benchmark: PPO throughput on kiln-gpt-tiny, and how close PPO and DPO get to the optimum.

    python -m bench.rlhf [--model kiln-gpt-tiny] [--steps 8] [--batch 16] [--max-new-tokens 32]
                         [--threads 1] [--skip-optimum] [--optimum ppo,dpo,grpo,rloo,hard]
                         [--seeds 0,1,2] [--api] [--hard-routes ...] [--held-out 0.25]
                         [--group 8] [--rounds 2]

Throughput: a PPO job (in-process roles, a scoring-function reward, fixed-length rollouts) runs
`--steps` iterations; the first is a warm-up and is not counted. Steps/s and the generation share
come from the per-iteration times the job reports (generation, reward, training), so model
loading and saving are excluded; rollout tokens/s is completion tokens over generation time.

Optimum: on the exactly solvable KL-regularised task (tests/tasks/optimum.py), the share of the
gap from J(pi_ref) to J(pi*) that each method closes, measured exactly: PPO with online rollouts
(tests/tasks/ppo_optimum.py), DPO offline on preference pairs sampled from pi_ref, GRPO and RLOO
with groups of 8 completions per prompt and no critic (the same file's run_group_on_optimum_task).

Seeds: every optimum figure is a mean over the task seeds of --seeds (each seed pretrains a
different reference); PPO also runs at beta 0.1 and 1 and "ppo_optimum_fraction_min" is its worst
case. "hard" runs the routes of --hard-routes on 2,000 Bradley-Terry-sampled hard labels, of which
--held-out (default 25%) is held out: DPO variants (tests/tasks/optimum.py HARD_LABEL_ROUTES) and
"rm+grpo", a reward model fitted on the labels and GRPO against it (tests/tasks/reward_route.py).
"dpo_hard_label_optimum_fraction" is plain DPO's, and "best_hard_label_optimum_fraction" that of
the route whose final policy has the lowest held-out DPO log-loss, per seed (the optimum is
measured, never used to choose; docs/rlhf.md says why this rule). With --api, PPO, GRPO and RLOO
run as jobs over gRPC against an in-process gateway (embedded Redis, local Ray), rewarded by a
RewardService this script runs (tests/tasks/api_optimum.py), and rm+grpo as a REWARD_MODEL job
and a GRPO job rewarded by its output model: no trainer call in-process.

Throughput beside a baseline: --rounds interleaved rounds of a Kiln GRPO job (in-process roles,
--batch completions in groups of --group, one optimizer step per batch) and TRL's GRPOTrainer on
the same model converted to GPT-2, prompts, reward and shapes (bench/rlhf_trl.py, a process of
its own): "grpo_steps_per_s", "trl_steps_per_s" (null where TRL, the `bench` extra, is not
installed) and their ratio "grpo_vs_trl".

Writes bench/results/rlhf.json (with the machine); the last line printed is one JSON object:
{"ppo_steps_per_s", "grpo_steps_per_s", "trl_steps_per_s", "grpo_vs_trl", "rollout_tokens_per_s",
"generation_time_share",
"ppo_optimum_fraction", "ppo_optimum_fraction_min", "dpo_optimum_fraction",
"grpo_optimum_fraction", "rloo_optimum_fraction", "dpo_hard_label_optimum_fraction",
"best_hard_label_optimum_fraction", "best_hard_label_route", "best_hard_label_per_seed",
"hard_label_fractions" (route -> fraction per seed), "held_out", "seeds", "api"}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import torch

from kiln_trainer.algorithms.ppo import PPOConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH
from kiln_trainer.data.formats import read_jsonl


def ppo_throughput(model: str, steps: int, batch: int, max_new_tokens: int, group: int = 0) -> dict[str, float]:
    """Iterations/s of a PPO job (group 0) or, with `group`, of a GRPO job with groups of that
    many completions and one optimizer step per batch (TRL's GRPOTrainer default, which
    bench.rlhf_trl runs beside it)."""
    with tempfile.TemporaryDirectory() as tmp:
        prompts = Path(tmp) / "prompts.jsonl"
        records = read_jsonl(DEMO_SFT_PATH, "sft")[:64]
        prompts.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records))
        common: dict[str, Any] = dict(
            base_model=model,
            prompts_path=str(prompts),
            scoring_function="charset:aeiou",
            max_new_tokens=max_new_tokens,
            stop_at_eos=False,
            rollout_batch_size=batch,
            learning_rate=1e-5,
            max_steps=steps,
            max_seq_len=max_new_tokens + 64,
            role_backend="local",
            checkpoint_every=steps + 1,
        )
        ctx = LocalContext(Path(tmp) / "work")
        started = time.perf_counter()
        if group:
            from kiln_trainer.algorithms.group import train_grpo
            from kiln_trainer.configs.group import GRPOConfig

            train_grpo(GRPOConfig(**common, group_size=group, minibatch_size=batch, ppo_epochs=1), ctx)
        else:
            train(PPOConfig(**common, minibatch_size=max(1, batch // 2)), ctx)
        wall = time.perf_counter() - started
    timed = [m for _, m in ctx.metrics[1:]]  # the first iteration warms up allocators and the engine
    gen = sum(m["generation_s"] for m in timed)
    total = sum(m["generation_s"] + m["reward_s"] + m["training_s"] for m in timed)
    tokens = sum(m["rollout_tokens"] for m in timed)
    return {
        "steps": float(len(timed)),
        "ppo_steps_per_s": len(timed) / total,
        "rollout_tokens_per_s": tokens / gen,
        "generation_time_share": gen / total,
        "generation_s_per_step": gen / len(timed),
        "training_s_per_step": sum(m["training_s"] for m in timed) / len(timed),
        "reward_s_per_step": sum(m["reward_s"] for m in timed) / len(timed),
        "wall_s": wall,
    }


def trl_throughput(model: str, steps: int, batch: int, group: int, max_new_tokens: int, threads: int) -> float | None:
    """TRL's GRPOTrainer steps/s (bench/rlhf_trl.py, its own process); None where TRL (the
    `bench` extra) is not installed or fails, with the reason printed."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "bench.rlhf_trl", "--model", model, "--steps", str(steps), "--batch", str(batch)]
    cmd += ["--group", str(group), "--max-new-tokens", str(max_new_tokens), "--threads", str(threads)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    if done.returncode != 0:
        print(f"  TRL baseline failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
        return None
    return float(json.loads(done.stdout.strip().splitlines()[-1])["trl_steps_per_s"])


def interleaved_group_rounds(args: argparse.Namespace) -> dict[str, float | None]:
    """Kiln GRPO and TRL GRPO, alternating `--rounds` times: a load change hits both alike."""
    kiln, trl = [], []
    for r in range(args.rounds):
        kiln.append(ppo_throughput(args.model, args.steps, args.batch, args.max_new_tokens, group=args.group))
        trl.append(trl_throughput(args.model, args.steps, args.batch, args.group, args.max_new_tokens, args.threads))
        print(f"  round {r}: kiln grpo {kiln[-1]['ppo_steps_per_s']:.3f} steps/s, trl {trl[-1]} steps/s", flush=True)
    k = _mean([x["ppo_steps_per_s"] for x in kiln])
    t = None if any(x is None for x in trl) else _mean([x for x in trl if x is not None])
    return {"grpo_steps_per_s": k, "trl_steps_per_s": t, "trl_ratio": None if t is None else k / t}


OPTIMUM_METHODS = ("ppo", "dpo", "grpo", "rloo", "hard")
# rDPO diverged and eps 0.25 / selection-only never beat eps 0.1 (docs/rlhf.md): left out by default.
HARD_ROUTES = ("dpo", "cdpo-0.1+select", "ipo+select", "rm+grpo")
RESULTS = Path(__file__).parent / "results" / "rlhf.json"
FRACTION_KEYS = (
    "ppo_optimum_fraction",
    "ppo_optimum_fraction_min",
    "dpo_optimum_fraction",
    "grpo_optimum_fraction",
    "rloo_optimum_fraction",
    "dpo_hard_label_optimum_fraction",
    "best_hard_label_optimum_fraction",
)


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def hard_label_routes(seeds: tuple[int, ...], routes: tuple[str, ...], held_out: float, api: bool) -> dict[str, Any]:
    """The chosen hard-label routes per seed, all on the same labels and held-out split; the
    held-out DPO log-loss of each route's final policy picks one per seed (docs/rlhf.md)."""
    from tests.tasks.optimum import HARD_LABEL_ROUTES, RouteResult, make_optimum_task, run_preference_route
    from tests.tasks.reward_route import RewardModelRoute, run_reward_model_route

    plain, chosen, picks = [], [], []
    per_route: dict[str, list[float]] = {}
    for seed in seeds:
        task = make_optimum_task(beta=1.0, seed=seed)
        results: list[RouteResult] = []
        for route in HARD_LABEL_ROUTES:
            if route.name in routes:
                results.append(run_preference_route(task, route, held_out=held_out, seed=seed))
                _print_route(seed, results[-1], "")
        if "rm+grpo" in routes and api:
            import asyncio

            result, rm = asyncio.run(_api_reward_model_route(task, seed, held_out))
            results.append(result)
            _print_route(seed, result, "over gRPC")
        elif "rm+grpo" in routes:
            result, rm = run_reward_model_route(task, RewardModelRoute(), held_out=held_out, seed=seed)
            results.append(result)
            _print_route(seed, result, "  ".join(f"{k} {v:.3f}" for k, v in rm.items()))
        for r in results:
            per_route.setdefault(r.route, []).append(r.fraction)
        if any(r.route == "dpo" for r in results):
            plain.append(next(r.fraction for r in results if r.route == "dpo"))
        best = min(results, key=lambda r: r.held_out_loss)
        chosen.append(best.fraction)
        picks.append(best.route)
    return {
        "dpo_hard_label_optimum_fraction": _mean(plain) if plain else None,
        "best_hard_label_optimum_fraction": _mean(chosen),
        "best_hard_label_route": ",".join(picks),
        "hard_label_fractions": {k: [round(x, 4) for x in v] for k, v in per_route.items()},
        "best_hard_label_per_seed": [round(x, 4) for x in chosen],
    }


def _print_route(seed: int, r: Any, extra: str) -> None:
    print(
        f"  hard labels, seed {seed}, {r.route:<18} fraction {r.fraction:6.3f}  held-out loss "
        f"{r.held_out_loss:.4f}  accuracy {r.held_out_accuracy:.3f}  implicit KL {r.implicit_kl:.3f}  "
        f"step {r.best_step}  {extra}",
        flush=True,
    )


def optimum_fractions(
    methods: tuple[str, ...], seeds: tuple[int, ...], api: bool, hard_routes: tuple[str, ...], held_out: float
) -> dict[str, Any]:
    from tests.tasks.optimum import make_optimum_task, run_dpo_on_optimum_task
    from tests.tasks.ppo_optimum import GroupRun, OptimumRun, run_group_on_optimum_task, run_ppo_on_optimum_task

    runs: dict[str, Callable[..., float]] = {
        "ppo": lambda task, seed: run_ppo_on_optimum_task(task, OptimumRun(seed=seed)),
        # DPO with soft (exact Bradley-Terry probability) labels: the oracle-label ceiling.
        "dpo": lambda task, seed: run_dpo_on_optimum_task(task, seed=seed),
        # GRPO and RLOO: 120 iterations of 16 prompts x 8 completions (GroupRun's defaults).
        "grpo": lambda task, seed: run_group_on_optimum_task("group_mean_std", task, GroupRun(seed=seed)),
        "rloo": lambda task, seed: run_group_on_optimum_task("leave_one_out", task, GroupRun(seed=seed)),
    }
    if api:
        runs.update(api_runs())
    out: dict[str, Any] = {}
    for name in methods:
        started = time.perf_counter()
        if name == "hard":
            out.update(hard_label_routes(seeds, hard_routes, held_out, api))
        else:
            per_seed = []
            for seed in seeds:
                task = make_optimum_task(beta=1.0, seed=seed)
                per_seed.append(runs[name](task, seed=seed))
                print(f"  {name} seed {seed} beta 1: {per_seed[-1]:.4f}", flush=True)
            out[f"{name}_optimum_fraction"] = _mean(per_seed)
            if name == "ppo":  # the worst case over seeds and both betas
                low_beta = []
                for seed in seeds:
                    low_beta.append(runs[name](make_optimum_task(beta=0.1, seed=seed), seed=seed))
                    print(f"  ppo seed {seed} beta 0.1: {low_beta[-1]:.4f}", flush=True)
                out["ppo_optimum_fraction_min"] = min(per_seed + low_beta)
        out[f"{name}_optimum_s"] = time.perf_counter() - started
    return out


def api_runs() -> dict[str, Callable[..., float]]:
    """PPO, GRPO and RLOO as gRPC jobs on a gateway started here (embedded Redis, local Ray)."""
    import asyncio

    def run(method: str, task: Any, seed: int) -> float:
        return asyncio.run(_api_run(method, task, seed))

    return {m: partial_method(run, m) for m in ("ppo", "grpo", "rloo")}


def partial_method(fn: Callable[..., float], method: str) -> Callable[..., float]:
    def call(task: Any, seed: int = 0) -> float:
        return fn(method, task, seed)

    return call


@contextlib.asynccontextmanager
async def _gateway() -> AsyncIterator[tuple[Any, Path]]:
    """A gateway on an embedded Redis and a local Ray, in a temporary directory."""
    from kiln_server.jobs.scheduler import init_ray
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig
    from kiln_server.platform.redis_embedded import EmbeddedRedis
    from tests.e2e.conftest import Gateway, make_config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        redis = EmbeddedRedis(root / "redis")
        url = redis.start()
        try:  # a Ray start that times out under load must not leave the Redis server behind
            init_ray(KilnConfig(ray_num_cpus=4))
            server, port = await create_server(make_config(root, url, shared_model_dirs=str(root / "models")))
            await server.start()
            gw = Gateway(server, port, server.config)
            try:
                yield gw, root
            finally:
                await gw.close()
        finally:
            redis.stop()


async def _api_run(method: str, task: Any, seed: int) -> float:
    from tests.tasks.api_optimum import (
        group_job,
        output_fraction,
        ppo_job,
        run_job,
        save_reference,
        start_reward_server,
        upload_prompts,
    )

    async with _gateway() as (gw, root):
        reward_server, target, _ = await start_reward_server(task)
        try:
            t = await gw.tenant()
            base = str(save_reference(task, root / "models" / "reference"))
            prompts = await upload_prompts(gw, t, task)
            if method == "ppo":
                job = ppo_job(task, base, prompts, target, seed=seed)
            else:
                job = group_job(task, base, prompts, target, seed=seed, method=method, steps=120, epochs=4)
                job_cfg = job.grpo if method == "grpo" else job.rloo
                job_cfg.minibatch_size = 32
            model, _ = await run_job(gw, t, job)
            return await output_fraction(gw, t, task, model)
        finally:
            await reward_server.stop(None)


async def _api_reward_model_route(task: Any, seed: int, held_out: float) -> tuple[Any, dict[str, float]]:
    """rm+grpo over gRPC: the training labels and the held-out ones uploaded as PREFERENCE
    datasets, a REWARD_MODEL job selecting its checkpoint on the held-out pairs, then a GRPO
    job rewarded by that model (`reward.reward_model`); the output policy is scored exactly and
    on the held-out pairs, as every route is."""
    from kiln.v1 import jobs_pb2, models_pb2
    from kiln_trainer.models.loader import load_causal_lm
    from tests.tasks.api_optimum import (
        group_job,
        reward_model_job,
        run_job,
        save_reference,
        upload_pairs,
        upload_prompts,
    )
    from tests.tasks.optimum import RouteResult, hard_label_split, held_out_score

    train, val = hard_label_split(task, 2000, held_out, seed)
    async with _gateway() as (gw, root):
        t = await gw.tenant()
        base = str(save_reference(task, root / "models" / "reference"))
        train_ds, val_ds = await upload_pairs(gw, t, train), await upload_pairs(gw, t, val)
        rm_name, _ = await run_job(gw, t, reward_model_job(task, base, train_ds, val_ds, seed=seed))
        prompts = await upload_prompts(gw, t, task)
        job = group_job(task, base, prompts, "127.0.0.1:1", seed=seed, steps=120, epochs=4, minibatch_size=32)
        job.grpo.reward.CopyFrom(jobs_pb2.RewardSource(reward_model=rm_name))
        model_name, _ = await run_job(gw, t, job)
        model = await gw.models.GetModel(models_pb2.GetModelRequest(name=model_name), metadata=t.md)
        policy = load_causal_lm(str(gw.artifact_path(model.artifact_uri))).model
    loss, accuracy, kl = held_out_score(policy, task, val)
    return RouteResult("rm+grpo", task.optimum_fraction(policy), loss, accuracy, kl, -1), {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="kiln-gpt-tiny")
    parser.add_argument("--steps", type=int, default=8, help="PPO iterations (the first is not timed)")
    parser.add_argument("--batch", type=int, default=16, help="rollouts per iteration")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    # One thread by default: on a small shared machine a second one mostly waits on the first,
    # and tiny-model matmuls gain nothing from it.
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--skip-optimum", action="store_true", help="throughput only")
    parser.add_argument("--group", type=int, default=8, help="GRPO group size of the TRL comparison")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved Kiln GRPO / TRL GRPO rounds (0: skip)")
    parser.add_argument(
        "--optimum",
        default=",".join(OPTIMUM_METHODS),
        help=f"comma-separated methods to run on the optimum task (of {', '.join(OPTIMUM_METHODS)})",
    )
    parser.add_argument("--seeds", default="0,1,2", help="task seeds every optimum figure is averaged over")
    parser.add_argument("--api", action="store_true", help="PPO, GRPO and RLOO as gRPC jobs, not in-process")
    parser.add_argument(
        "--hard-routes",
        default=",".join(HARD_ROUTES),
        help="hard-label routes to compare (names of tests/tasks/optimum.py HARD_LABEL_ROUTES, and rm+grpo)",
    )
    parser.add_argument(
        "--held-out", type=float, default=0.25, help="share of the 2,000 labels held out to choose routes"
    )
    args = parser.parse_args()
    if args.steps < 2:
        parser.error("--steps must be >= 2 (the first iteration is not timed)")
    methods = tuple(m for m in args.optimum.split(",") if m)
    if any(m not in OPTIMUM_METHODS for m in methods):
        parser.error(f"--optimum takes methods of {', '.join(OPTIMUM_METHODS)}")
    if args.threads:
        torch.set_num_threads(args.threads)

    tp = ppo_throughput(args.model, args.steps, args.batch, args.max_new_tokens)
    vs_trl: dict[str, float | None] = interleaved_group_rounds(args) if args.rounds else {}
    seeds = tuple(int(x) for x in args.seeds.split(",") if x)
    hard_routes = tuple(r for r in args.hard_routes.split(",") if r)
    opt = {} if args.skip_optimum else optimum_fractions(methods, seeds, args.api, hard_routes, args.held_out)

    print(
        f"PPO on {args.model}: {args.batch} rollouts x {args.max_new_tokens} tokens per iteration, "
        f"{int(tp['steps'])} timed iterations, {torch.get_num_threads()} thread(s)"
    )
    rows = [
        ("PPO iterations / s", f"{tp['ppo_steps_per_s']:.3f}"),
        ("rollout tokens / s (generation)", f"{tp['rollout_tokens_per_s']:.0f}"),
        ("generation s / iteration", f"{tp['generation_s_per_step']:.3f}"),
        ("reward s / iteration", f"{tp['reward_s_per_step']:.4f}"),
        ("training s / iteration", f"{tp['training_s_per_step']:.3f}"),
        ("share of time generating", f"{tp['generation_time_share']:.1%}"),
    ]
    fraction_keys = [k for k in FRACTION_KEYS if opt.get(k) is not None]
    for k in fraction_keys:
        rows.append((f"{k} (seeds {args.seeds}{', over gRPC' if args.api else ''})", f"{opt[k]:.3f}"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    summary = {
        "ppo_steps_per_s": round(tp["ppo_steps_per_s"], 4),
        "rollout_tokens_per_s": round(tp["rollout_tokens_per_s"], 1),
        "generation_time_share": round(tp["generation_time_share"], 4),
        "grpo_steps_per_s": _round(vs_trl.get("grpo_steps_per_s")),
        "trl_steps_per_s": _round(vs_trl.get("trl_steps_per_s")),
        "grpo_vs_trl": _round(vs_trl.get("trl_ratio")),
        **{k: round(opt[k], 4) if opt.get(k) is not None else None for k in FRACTION_KEYS},
        "best_hard_label_route": opt.get("best_hard_label_route"),
        "best_hard_label_per_seed": opt.get("best_hard_label_per_seed"),
        "hard_label_fractions": opt.get("hard_label_fractions"),
        "held_out": args.held_out,
        "seeds": list(seeds),
        "api": args.api,
    }
    from bench.machine import machine

    info = machine()
    print(f"machine: {json.dumps(info)}")
    # Methods not run this time (--optimum) stay null: figures from other runs are not mixed in.
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": info, "results": summary}, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
