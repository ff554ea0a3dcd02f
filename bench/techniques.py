"""Training techniques against the AdamW + cosine baseline: validation loss and time per step.

    python -m bench.techniques [--steps 60] [--rounds 1] [--only adamw,sgd,...]

One model (kiln-gpt-tiny from its seeded init), one data set (the demo SFT records, 200 held
out for validation), one step budget, for every technique; two tasks: "sft" trains on the
other 1,800 records, "small" on 200 of them (where regularization should matter most). Each
technique is one SFT config change from the baseline (Kiln's own trainer; the baseline IS
Kiln's default, AdamW with betas (0.9, 0.95) and warmup + cosine). Learning rates are the
usual starting point for each optimizer, not tuned per optimizer here: a technique that loses
may only need another rate. Runs interleave per round (baseline, then each technique) and the
medians over rounds are compared; every run uses the same seed, so the rounds differ only in
timing.

Time per step is the steady-state loop (from the first metrics report to the last), so model
loading and saving are not in it; each technique's is divided by that of a short baseline run
(--timing-steps) made right after it, since the load of a shared machine drifts over minutes.
L-BFGS evaluates the loss up to 20 times per step.

Writes bench/results/techniques.json; the last line printed is one JSON object mapping each
technique (per task, "<task>/<technique>") to {"val_loss", "baseline_val_loss", "ratio",
"time_per_step_ratio"} (ratio < 1: better than the baseline).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from bench.machine import machine
from kiln_trainer.algorithms.sft import SFTConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH

RESULTS = Path(__file__).parent / "results" / "techniques.json"
BASELINE = "adamw_cosine"

# technique -> the config keys it changes from the baseline.
TECHNIQUES: dict[str, dict[str, Any]] = {
    BASELINE: {},
    "sgd": {"optimizer": "sgd", "learning_rate": 0.3},
    "sgd_momentum": {"optimizer": "sgd", "momentum": 0.9, "learning_rate": 0.03},
    "nesterov": {"optimizer": "sgd", "momentum": 0.9, "nesterov": True, "learning_rate": 0.03},
    "adagrad": {"optimizer": "adagrad", "learning_rate": 0.01},
    "rmsprop": {"optimizer": "rmsprop", "learning_rate": 1e-3},
    "adam": {"optimizer": "adam"},
    "adafactor": {"optimizer": "adafactor"},
    "lion": {"optimizer": "lion", "learning_rate": 2e-4},
    "lbfgs": {"optimizer": "lbfgs", "learning_rate": 1.0},
    "sophia": {"optimizer": "sophia", "learning_rate": 3e-4},
    "schedule_one_cycle": {"lr_schedule": "one_cycle"},
    "schedule_inverse_sqrt": {"lr_schedule": "inverse_sqrt"},
    "label_smoothing": {"token_label_smoothing": 0.1},
    "l1": {"l1_penalty": 0.01},
    "dropout": {"attention_dropout": 0.1, "residual_dropout": 0.1, "embedding_dropout": 0.1},
    "grad_noise": {"grad_noise": 0.01},
    "max_norm": {"max_weight_norm": 1.0},
    "weight_decay": {"weight_decay": 0.1},
    "spectral_norm": {"spectral_norm": True},
    "curriculum_length": {"curriculum": "length"},
    "curriculum_self_paced": {"curriculum": "loss", "curriculum_rescore_every": 20},
    "anti_curriculum_length": {"curriculum": "length", "anti_curriculum": True},
    "augmentation": {"augment_mask_prob": 0.1, "augment_span_deletion_prob": 0.3, "augment_swap_prob": 0.05},
    "adversarial_fgsm": {"adversarial": "fgsm", "adversarial_epsilon": 0.01},
    "adversarial_pgd": {"adversarial": "pgd", "adversarial_epsilon": 0.01, "adversarial_steps": 3},
}


class TimedContext(LocalContext):
    """Notes when each metrics report with a training loss arrives (the steady-state clock)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.times: list[tuple[int, float]] = []

    def report_metrics(self, step: int, metrics: dict[str, float], total_steps: int | None = None) -> None:
        super().report_metrics(step, metrics, total_steps)
        if "loss" in metrics:
            self.times.append((step, time.perf_counter()))


def split_data(work: Path) -> dict[str, tuple[Path, Path]]:
    lines = DEMO_SFT_PATH.read_text().splitlines()
    random.Random(0).shuffle(lines)
    val, rest = lines[:200], lines[200:]
    files = {}
    for task, train_lines in (("sft", rest), ("small", rest[:200])):
        train_path, val_path = work / f"{task}-train.jsonl", work / f"{task}-val.jsonl"
        train_path.write_text("\n".join(train_lines) + "\n")
        val_path.write_text("\n".join(val) + "\n")
        files[task] = (train_path, val_path)
    return files


def run_one(
    task: str, files: tuple[Path, Path], technique: str, args: argparse.Namespace, work: Path, steps: int | None = None
) -> dict:
    steps = steps or args.steps
    settings: dict[str, Any] = {
        "base_model": "kiln-gpt-tiny",
        "train_path": str(files[0]),
        "val_path": str(files[1]),
        "max_steps": steps,
        "batch_size": 8,
        "max_seq_len": 64,
        "learning_rate": 1e-3,
        "warmup_steps": 5,
        "log_every": 5,
        "eval_every": steps,
        "checkpoint_every": steps + 1,
        "seed": 0,
    } | TECHNIQUES[technique]
    ctx = TimedContext(work / f"{task}-{technique}-{time.monotonic_ns()}")
    result = train(SFTConfig.from_dict(settings), ctx)
    (s0, t0), (s1, t1) = ctx.times[0], ctx.times[-1]
    return {"val_loss": result.metrics["val_loss"], "s_per_step": (t1 - t0) / max(1, s1 - s0)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--tasks", default="sft,small")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timing-steps", type=int, default=15, help="baseline steps timed after each technique")
    parser.add_argument("--only", default="", help="comma-separated techniques (the baseline always runs)")
    args = parser.parse_args(argv)
    # One thread for every run, baseline included: the machine is shared and the model is tiny.
    torch.set_num_threads(args.threads)
    chosen = [BASELINE] + [t for t in (args.only.split(",") if args.only else TECHNIQUES) if t and t != BASELINE]
    info = machine()
    print(f"machine: {json.dumps(info)}")
    print(f"kiln-gpt-tiny, {args.steps} steps of 8 packed rows x 64 tokens, {args.rounds} round(s)")

    import logging

    logging.getLogger("kiln_trainer").setLevel(logging.WARNING)
    runs: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = split_data(work)
        run_one("small", data["small"], BASELINE, argparse.Namespace(steps=6), work)  # untimed warm-up
        for rnd in range(args.rounds):
            for task in args.tasks.split(","):
                for technique in chosen:
                    out = run_one(task, data[task], technique, args, work)
                    if technique != BASELINE:
                        # The time-per-step baseline runs right after: on a shared machine the
                        # load drifts over minutes, and a neighbour in time sees the same load.
                        near = run_one(task, data[task], BASELINE, args, work, steps=args.timing_steps)
                        out["baseline_s_per_step"] = near["s_per_step"]
                    runs.setdefault((task, technique), []).append(out)
                    print(
                        f"round {rnd + 1} {task:5s} {technique:22s} val_loss {out['val_loss']:.4f}  "
                        f"{1000 * out['s_per_step']:.0f} ms/step",
                        flush=True,
                    )

    summary: dict[str, dict[str, float]] = {}
    print(f"\n{'task/technique':32s} {'val_loss':>9s} {'baseline':>9s} {'ratio':>7s} {'time/step':>10s}")
    for task in args.tasks.split(","):
        base = runs[(task, BASELINE)]
        base_val = statistics.median(r["val_loss"] for r in base)
        for technique in chosen:
            if technique == BASELINE:
                continue
            rs = runs[(task, technique)]
            val = statistics.median(r["val_loss"] for r in rs)
            time_ratio = statistics.median(r["s_per_step"] / r["baseline_s_per_step"] for r in rs)
            row = {
                "val_loss": round(val, 4),
                "baseline_val_loss": round(base_val, 4),
                "ratio": round(val / base_val, 3),
                "time_per_step_ratio": round(time_ratio, 2),
            }
            summary[f"{task}/{technique}"] = row
            print(
                f"{task + '/' + technique:32s} {row['val_loss']:9.4f} {row['baseline_val_loss']:9.4f} "
                f"{row['ratio']:7.3f} {row['time_per_step_ratio']:9.2f}x"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if args.only and RESULTS.is_file():  # a partial run updates its rows of the last full run
        summary = json.loads(RESULTS.read_text())["results"] | summary
    record = {"machine": info, "steps": args.steps, "rounds": args.rounds, "results": summary}
    RESULTS.write_text(json.dumps(record, indent=1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
