"""RLHF benchmark: PPO throughput on kiln-gpt-tiny, and how close PPO and DPO get to the optimum.

    python -m bench.rlhf [--model kiln-gpt-tiny] [--steps 8] [--batch 16] [--max-new-tokens 32]
                         [--threads 1] [--skip-optimum] [--optimum ppo,dpo,grpo,rloo]

Throughput: a PPO job (in-process roles, a scoring-function reward, fixed-length rollouts) runs
`--steps` iterations; the first is a warm-up and is not counted. Steps/s and the generation share
come from the per-iteration times the job reports (generation, reward, training), so model
loading and saving are excluded; rollout tokens/s is completion tokens over generation time.

Optimum: on the exactly solvable KL-regularised task (tests/tasks/optimum.py), the share of the
gap from J(pi_ref) to J(pi*) that each method closes, measured exactly: PPO with online rollouts
(tests/tasks/ppo_optimum.py), DPO offline on preference pairs sampled from pi_ref, GRPO and RLOO
with groups of 8 completions per prompt and no critic (the same file's run_group_on_optimum_task).

Writes bench/results/rlhf.json (with the machine); the last line printed is one JSON object:
{"ppo_steps_per_s", "rollout_tokens_per_s", "generation_time_share", "ppo_optimum_fraction",
"dpo_optimum_fraction", "grpo_optimum_fraction", "rloo_optimum_fraction"}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from kiln_trainer.algorithms.ppo import PPOConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH
from kiln_trainer.data.formats import read_jsonl


def ppo_throughput(model: str, steps: int, batch: int, max_new_tokens: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        prompts = Path(tmp) / "prompts.jsonl"
        records = read_jsonl(DEMO_SFT_PATH, "sft")[:64]
        prompts.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records))
        cfg = PPOConfig(
            base_model=model,
            prompts_path=str(prompts),
            scoring_function="charset:aeiou",
            max_new_tokens=max_new_tokens,
            stop_at_eos=False,
            rollout_batch_size=batch,
            minibatch_size=max(1, batch // 2),
            learning_rate=1e-5,
            max_steps=steps,
            max_seq_len=max_new_tokens + 64,
            role_backend="local",
            checkpoint_every=steps + 1,
        )
        ctx = LocalContext(Path(tmp) / "work")
        started = time.perf_counter()
        train(cfg, ctx)
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


OPTIMUM_METHODS = ("ppo", "dpo", "grpo", "rloo")
RESULTS = Path(__file__).parent / "results" / "rlhf.json"


def optimum_fractions(methods: tuple[str, ...] = OPTIMUM_METHODS) -> dict[str, float]:
    from collections.abc import Callable
    from functools import partial

    from tests.tasks.optimum import OptimumTask, make_optimum_task, run_dpo_on_optimum_task
    from tests.tasks.ppo_optimum import run_group_on_optimum_task, run_ppo_on_optimum_task

    runs: dict[str, Callable[[OptimumTask], float]] = {
        "ppo": run_ppo_on_optimum_task,
        "dpo": run_dpo_on_optimum_task,
        # GRPO and RLOO: 60 iterations of 16 prompts x 8 completions (GroupRun's defaults).
        "grpo": partial(run_group_on_optimum_task, "group_mean_std"),
        "rloo": partial(run_group_on_optimum_task, "leave_one_out"),
    }
    out = {}
    task = make_optimum_task(beta=1.0, seed=0)
    for name in methods:
        run = runs[name]
        started = time.perf_counter()
        out[f"{name}_optimum_fraction"] = run(task)
        out[f"{name}_optimum_s"] = time.perf_counter() - started
    return out


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
    parser.add_argument(
        "--optimum",
        default=",".join(OPTIMUM_METHODS),
        help=f"comma-separated methods to run on the optimum task (of {', '.join(OPTIMUM_METHODS)})",
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
    opt = {} if args.skip_optimum else optimum_fractions(methods)

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
    for m in methods if opt else ():
        rows.append(
            (
                f"{m.upper()}: share of optimum gap closed",
                f"{opt[f'{m}_optimum_fraction']:.3f} ({opt[f'{m}_optimum_s']:.0f}s)",
            )
        )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    summary = {
        "ppo_steps_per_s": round(tp["ppo_steps_per_s"], 4),
        "rollout_tokens_per_s": round(tp["rollout_tokens_per_s"], 1),
        "generation_time_share": round(tp["generation_time_share"], 4),
        **{
            f"{m}_optimum_fraction": round(opt[f"{m}_optimum_fraction"], 4) if f"{m}_optimum_fraction" in opt else None
            for m in OPTIMUM_METHODS
        },
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
