"""SFT: a Kiln SFT job over gRPC against TRL's SFTTrainer, on the same model, data and budget.

    python -m bench.sft [--quick] [--model kiln-gpt-small] [--rows 8] [--seq-len 128] [--steps 30]
                        [--rounds 3] [--threads 1] [--target-loss L] [--eval-every 3] [--no-plain] [--plain-rounds 1]
    python -m bench.sft --markdown    # the docs/benchmarks.md section, from bench/results/sft.json

Both sides train the same model from the same initial weights (kiln-gpt-small built with the
round's seed; TRL gets it converted to a Hugging Face GPT2LMHeadModel with identical logits) on
the same records (the bundled demo set, a seeded 10% held out for validation), tokenized the same
way (kiln_trainer's tokenize_sft: TRL receives those token ids and labels), with the loss on the
completion tokens only. Each optimizer step takes `--rows` packed rows of up to `--seq-len`
tokens (Kiln: first-fit packing with a block-diagonal mask; TRL: its default best-fit-decreasing
packing, which makes batches padding-free), AdamW with betas (0.9, 0.95), eps 1e-8, no weight
decay, gradient clipping at 1.0, the same peak lr with linear warmup and cosine decay to 10%, fp32
and `--threads` torch threads on both sides (the Kiln job asks for that many CPUs, and a Ray
worker runs with as many threads).

- Kiln: a real gateway (embedded Redis, local Ray) in this process; the bench uploads the two
  datasets and creates the SFT job over gRPC, watches its events, and takes every figure from
  the metrics the job reports (tokens, tokens_per_s each step, val_loss every `--eval-every`).
- TRL: bench.sft_baselines in a process of its own (python -m bench.sft_baselines --side trl).
- plain / wide (extra rows): a hand-written loop on right-padded batches of `--rows` rows, and
  of as many rows as Kiln packs examples into a step, on Kiln's GPT module; throughput only, each
  run until it has trained on as many real tokens as that round's Kiln run, in the first
  `--plain-rounds` rounds (default 1: they are context, and each costs a Kiln run's time).

Throughput counts real tokens (never padding) over the steps after the first; Kiln's clock is
its own per-step report (tokens / tokens_per_s), cross-checked against the job's event times.
Time to the target: training seconds from the end of the first step to the first validation pass
at or below the target, validation passes excluded on both sides (they are measurements, not
training). The target is `--target-loss`, or by default the highest of the best validation losses
that every Kiln and TRL run reached within its first 75% of steps: one loss for both sides, set
by neither side's curve alone. Runs alternate Kiln and TRL (ABBA across rounds) after an untimed Kiln warm-up job;
the figures are medians over rounds. The machine is shared, so absolute figures are noisy: the
ratios, taken within a round, are what to read.

Writes bench/results/sft.json (with the machine); the last line printed is one JSON object:
{"kiln_tokens_per_s", "plain_tokens_per_s", "ratio", "trl_tokens_per_s", "trl_ratio",
"time_to_loss_ratio"} (ratio: Kiln over the padded plain loop; trl_ratio: Kiln over TRL;
time_to_loss_ratio: Kiln's time to the target over TRL's, <= 1 is better).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import torch  # noqa: E402

from bench.machine import machine  # noqa: E402
from kiln.v1 import common_pb2, datasets_pb2, jobs_pb2  # noqa: E402
from kiln_trainer.data.demo import DEMO_SFT_PATH  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "sft.json"
KILN, TRL, PLAIN, WIDE = "kiln", "trl", "plain", "wide"


@dataclass
class Run:
    """One side's run: the training clock and real tokens after every step, validation losses."""

    side: str
    round: int
    times: list[float]  # training seconds after each step, from the end of step 1, validation excluded
    tokens: list[int]  # real tokens of each step
    evals: list[list[float]]  # [step, val_loss]
    wall_s: float  # the whole run, start-up, loading and saving included
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.times) - 1  # timed steps: all but the first

    @property
    def timed_tokens(self) -> int:
        return sum(self.tokens[1:])

    @property
    def tokens_per_s(self) -> float:
        return self.timed_tokens / self.times[-1]

    def time_to(self, target: float) -> float | None:
        """Training seconds until the first validation at or below `target` (None: never)."""
        for step, loss in self.evals:
            if loss <= target:
                return self.times[int(step) - 1]
        return None


# -- data --------------------------------------------------------------------------------------


def split_demo(work: Path, val_share: float = 0.1, seed: int = 0) -> tuple[Path, Path]:
    lines = DEMO_SFT_PATH.read_bytes().splitlines(keepends=True)
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    val = set(order[: int(len(lines) * val_share)])
    train_path, val_path = work / "train.jsonl", work / "val.jsonl"
    train_path.write_bytes(b"".join(line for i, line in enumerate(lines) if i not in val))
    val_path.write_bytes(b"".join(line for i, line in enumerate(lines) if i in val))
    return train_path, val_path


# -- Kiln, over gRPC -----------------------------------------------------------------------------


def sft_job(args: argparse.Namespace, train: str, val: str, steps: int, seed: int) -> jobs_pb2.Job:
    return jobs_pb2.Job(
        display_name=f"bench-sft-{seed}",
        method=jobs_pb2.JOB_METHOD_SFT,
        base_model=args.model,
        training_dataset=train,
        validation_dataset=val,
        hyperparameters=jobs_pb2.Hyperparameters(
            learning_rate=args.lr,
            max_steps=steps,
            batch_size=args.rows,
            grad_accum_steps=1,
            warmup_steps=args.warmup,
            weight_decay=0.0,
            max_grad_norm=1.0,
            max_seq_len=args.seq_len,
            seed=seed,
            precision=jobs_pb2.PRECISION_FP32,
            eval_every=args.eval_every,
            checkpoint_every=steps + 1,  # only the final save: the TRL side saves nothing either
            log_every=1,  # a metrics event per step: the per-step clock
            optimizer=jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_ADAMW, beta1=0.9, beta2=0.95, eps=1e-8),
            lr_schedule=jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_COSINE, min_lr_ratio=0.1),
        ),
        sft=jobs_pb2.SftConfig(tuning=jobs_pb2.TUNING_FULL, packing=True),
        resources=common_pb2.Resources(cpus=args.threads, workers=1),
    )


def kiln_run(events: list[jobs_pb2.JobEvent], rnd: int, wall: float) -> Run:
    """The run as the job's metric events tell it.

    Training reports carry the step's real tokens (cumulative "tokens") and its tokens_per_s
    (tokens over the seconds since the previous report), so each step's seconds are tokens /
    tokens_per_s; validation reports carry val_loss. The event times give a second clock: the
    seconds between the first and last training reports, less the validation passes.
    """
    train, evals, logs = [], [], []
    for e in events:
        kind = e.WhichOneof("kind")
        if kind == "log":
            logs.append(e.log.message)
        if kind != "metrics":
            continue
        v, at = e.metrics.values, e.time.ToMilliseconds() / 1000
        if "val_loss" in v:
            evals.append([float(e.metrics.step), float(v["val_loss"]), at])
        elif "tokens_per_s" in v:
            train.append((e.metrics.step, float(v["tokens"]), float(v["tokens_per_s"]), at))
    if [s for s, *_ in train] != list(range(1, len(train) + 1)):
        raise RuntimeError(f"expected a metrics event per step, got steps {[s for s, *_ in train]}")
    tokens = [int(t - (train[i - 1][1] if i else 0)) for i, (_, t, _, _) in enumerate(train)]
    times, clock = [], 0.0
    for i, (_, _, tps, _) in enumerate(train):
        clock += tokens[i] / tps if i else 0.0
        times.append(clock)
    eval_s = sum(at - train[int(step) - 1][3] for step, _, at in evals if step < train[-1][0])
    event_clock = train[-1][3] - train[0][3] - eval_s
    return Run(
        KILN,
        rnd,
        times,
        tokens,
        [[s, loss] for s, loss, _ in evals],
        wall,
        {"event_clock_s": event_clock, "log": [m for m in logs if m.startswith(("loaded", "data:"))]},
    )


class KilnGateway:
    """An embedded gateway and an authenticated gRPC channel to it."""

    async def start(self, work: Path, train: Path, val: Path) -> None:
        import ray
        from grpc import aio

        from kiln.v1 import datasets_pb2_grpc, jobs_pb2_grpc
        from kiln_server.jobs.scheduler import init_ray
        from kiln_server.platform.app import create_server
        from kiln_server.platform.config import KilnConfig

        config = KilnConfig(port=0, data_dir=work / "kiln", log_json=False, ray_num_cpus=2, log_level="WARNING")
        for attempt in range(8):
            try:  # the gateway joins a running Ray (init_ray is idempotent)
                init_ray(config)
                break
            except Exception:  # Ray gives its raylet 30 s to start: a loaded machine can miss that
                ray.shutdown()
                if attempt == 7:
                    raise
                print("Ray did not start in time; trying again", flush=True)
        self.server, port = await create_server(config)
        await self.server.start()
        self.channel = aio.insecure_channel(f"127.0.0.1:{port}")
        await self.server.tenants.create_tenant("bench")
        _, key = await self.server.tenants.create_key("bench")
        self.md = (("authorization", f"Bearer {key}"),)
        self.jobs = jobs_pb2_grpc.JobServiceStub(self.channel)
        datasets = datasets_pb2_grpc.DatasetServiceStub(self.channel)
        self.datasets = [(await datasets.UploadDataset(self._upload(p), metadata=self.md)).name for p in (train, val)]

    @staticmethod
    async def _upload(path: Path):  # type: ignore[no-untyped-def]
        blob = path.read_bytes()
        yield datasets_pb2.UploadDatasetRequest(
            metadata=datasets_pb2.DatasetMetadata(display_name=path.stem, format=datasets_pb2.DATASET_FORMAT_SFT)
        )
        for i in range(0, len(blob), 1 << 16):
            yield datasets_pb2.UploadDatasetRequest(chunk=blob[i : i + (1 << 16)])

    async def run(self, args: argparse.Namespace, rnd: int, steps: int) -> Run:
        started = time.perf_counter()
        job = sft_job(args, self.datasets[0], self.datasets[1], steps, rnd)
        created = await self.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=self.md)
        events = [e async for e in self.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=created.name), metadata=self.md)]
        wall = time.perf_counter() - started
        done = await self.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=self.md)
        if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
            raise RuntimeError(f"{created.name} ended {jobs_pb2.JobState.Name(done.state)}: {done.error}")
        return kiln_run(events, rnd, wall)

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(grace=1)


# -- the baselines, each in a process of its own -------------------------------------------------


def baseline(
    side: str, args: argparse.Namespace, rnd: int, steps: int, train: Path, val: Path, rows: int, max_tokens: int = 0
) -> Run:
    cmd = [sys.executable, "-m", "bench.sft_baselines", "--side", TRL if side == TRL else PLAIN]
    cmd += ["--model", args.model, "--train", str(train), "--val", str(val), "--seed", str(rnd)]
    cmd += ["--rows", str(rows), "--seq-len", str(args.seq_len), "--steps", str(steps), "--lr", str(args.lr)]
    cmd += ["--warmup", str(args.warmup), "--eval-every", str(args.eval_every), "--threads", str(args.threads)]
    if max_tokens:
        cmd += ["--max-tokens", str(max_tokens)]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    if done.returncode:
        raise RuntimeError(f"{side} baseline failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    info = out["info"] | {"threads": out["threads"]}
    evals = [[step, loss] for step, loss, _ in out["evals"]]  # the third: that pass's seconds
    return Run(side, rnd, out["times"], out["tokens"], evals, time.perf_counter() - started, info)


# -- reporting -----------------------------------------------------------------------------------


def print_table(runs: list[Run], target: float) -> None:
    print(
        f"{'side':<8}{'round':>6}{'timed steps':>12}{'tokens/step':>12}{'tokens/s':>10}"
        f"{'final val':>10}{'to target s':>12}{'wall s':>8}"
    )
    for r in runs:
        to = r.time_to(target)
        final = f"{r.evals[-1][1]:.3f}" if r.evals else "-"
        print(
            f"{r.side:<8}{r.round:>6}{r.steps:>12}{statistics.mean(r.tokens):>12,.0f}{r.tokens_per_s:>10,.0f}"
            f"{final:>10}{'-' if to is None else f'{to:.1f}':>12}{r.wall_s:>8.1f}"
        )


def shared_target(runs: list[Run], share: float = 0.75) -> float:
    """A validation loss every Kiln and TRL run reached within its first `share` of steps: the
    highest of their best losses there, so neither side's curve alone sets it."""
    best = []
    for r in runs:
        if r.side in (KILN, TRL):
            horizon = share * len(r.times)
            best.append(min(loss for step, loss in r.evals if step <= horizon))
    return round(max(best) + 5e-4, 3)  # rounded up: the worst of them still counts as reached


def median_of(runs: list[Run], side: str, what: str) -> float | None:
    values = [v for r in runs if r.side == side for v in [getattr(r, what)] if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[Run], target: float) -> dict[str, Any]:
    rounds = sorted({r.round for r in runs})
    by = {(r.side, r.round): r for r in runs}
    kiln, trl = median_of(runs, KILN, "tokens_per_s"), median_of(runs, TRL, "tokens_per_s")
    plain = median_of(runs, PLAIN, "tokens_per_s")
    # Per-round ratios: noise from the shared machine hits both sides of a round alike.
    trl_ratios = [by[KILN, n].tokens_per_s / by[TRL, n].tokens_per_s for n in rounds]
    to_kiln = [by[KILN, n].time_to(target) for n in rounds]
    to_trl = [by[TRL, n].time_to(target) for n in rounds]
    pairs = [(k, t) for k, t in zip(to_kiln, to_trl, strict=True) if k is not None and t is not None]
    result: dict[str, Any] = {
        "kiln_tokens_per_s": round(kiln or 0.0, 1),
        "plain_tokens_per_s": round(plain, 1) if plain else None,
        "ratio": round(kiln / plain, 3) if kiln and plain else None,
        "trl_tokens_per_s": round(trl or 0.0, 1),
        "trl_ratio": round(statistics.median(trl_ratios), 3),
        "time_to_loss_ratio": round(statistics.median(k / t for k, t in pairs), 3) if pairs else None,
    }
    wide = median_of(runs, WIDE, "tokens_per_s")
    extra = {
        "wide_tokens_per_s": round(wide, 1) if wide else None,
        "trl_ratio_per_round": [round(x, 3) for x in trl_ratios],
        "kiln_time_to_target_s": to_kiln,
        "trl_time_to_target_s": to_trl,
        "kiln_event_clock_tokens_per_s": round(
            statistics.median(by[KILN, n].timed_tokens / by[KILN, n].info["event_clock_s"] for n in rounds), 1
        ),
    }
    return {"result": result, "extra": extra}


def markdown(path: Path = RESULTS) -> str:
    """The docs/benchmarks.md section, from a result file (so the docs cannot drift from it)."""
    data = json.loads(path.read_text())
    m, a, res, extra = data["machine"], data["args"], data["result"], data["extra"]
    runs = [Run(**r) for r in data["runs"]]
    target = a["target_loss"]

    def med(side: str, what: str) -> str:
        v = median_of(runs, side, what)
        return "-" if v is None else f"{v:,.0f}"

    def to_target(side: str) -> str:
        values = [r.time_to(target) for r in runs if r.side == side]
        got = [v for v in values if v is not None]
        return f"{statistics.median(got):.1f} s ({len(got)}/{len(values)} runs)" if got else "not reached"

    def seconds(values: list[float | None]) -> str:
        return "[" + ", ".join("-" if v is None else f"{v:.1f}" for v in values) + "]"

    def steps_to(side: str) -> list[int | None]:
        return [next((int(s) for s, loss in r.evals if loss <= target), None) for r in runs if r.side == side]

    kiln = median_of(runs, KILN, "tokens_per_s") or 1.0
    rows = [
        ("Kiln SFT job over gRPC (packed, block-diagonal mask)", KILN),
        ("TRL SFTTrainer (packing=True: BFD, padding-free)", TRL),
        (f"plain loop, padded, {a['rows']} rows", PLAIN),
        ("plain loop, padded, wide", WIDE),
    ]
    lines = [
        "| run | real tokens/step | tokens/s (median) | Kiln's median over it | to val loss " + f"{target} (median) |",
        "|---|---|---|---|---|",
    ]
    for label, side in rows:
        tps = median_of(runs, side, "tokens_per_s")
        if tps is None:
            continue
        per_step = statistics.median(statistics.mean(r.tokens) for r in runs if r.side == side)
        to = to_target(side) if side in (KILN, TRL) else "-"
        lines.append(f"| {label} | {per_step:,.0f} | {tps:,.0f} | {kiln / tps:.2f}x | {to} |")
    return "\n".join(
        [
            f"Measured {m['cpu']} ({', '.join(m['isa_flags'])}), {m['cpus']} CPUs, {m['threads']} torch "
            f"thread(s), torch {m['torch']}, commit {m['commit']}; {a['model']}, {a['rows']} packed rows x "
            f"{a['seq_len']} tokens a step, {a['steps']} steps, lr {a['lr']}, {a['rounds']} rounds.",
            "",
            *lines,
            "",
            f"Per round (the headline ratios are the medians of these): Kiln/TRL tokens/s "
            f"{extra['trl_ratio_per_round']}; seconds to val loss {target}, Kiln "
            f"{seconds(extra['kiln_time_to_target_s'])}, TRL {seconds(extra['trl_time_to_target_s'])}; "
            f"validation steps to it, Kiln {steps_to(KILN)}, TRL {steps_to(TRL)}.",
            "",
            "```",
            json.dumps(res),
            "```",
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="kiln-gpt-small")
    parser.add_argument("--rows", type=int, default=8, help="packed rows per optimizer step (both sides)")
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads on both sides")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--eval-every", type=int, default=3)
    parser.add_argument(
        "--target-loss",
        type=float,
        default=None,
        help="validation loss to time both sides to (default: the highest of the best losses every Kiln and TRL "
        "run reached within its first 75%% of steps)",
    )
    parser.add_argument("--no-plain", action="store_true", help="skip the padded plain loops")
    parser.add_argument("--plain-rounds", type=int, default=1, help="rounds that also run the plain loops")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 round of 10 steps, no plain loops")
    parser.add_argument("--markdown", action="store_true", help="print the docs section from bench/results/sft.json")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown())
        return {}
    if args.quick:
        args.steps, args.rounds, args.no_plain = 12, 1, True
    torch.set_num_threads(args.threads)
    info = machine(threads=args.threads)
    print(json.dumps({"machine": info}))
    print(
        f"{args.model}: {args.rows} packed rows x {args.seq_len} tokens a step, {args.steps} steps, lr {args.lr}, "
        f"{args.threads} thread(s), fp32, {args.rounds} round(s)",
        flush=True,
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        train, val = split_demo(work)
        runs = asyncio.run(rounds(args, work, train, val))
    if args.target_loss is None:
        args.target_loss = shared_target(runs)
    print(f"target validation loss: {args.target_loss:.3f}")
    print_table(runs, args.target_loss)
    summary = summarise(runs, args.target_loss)
    for r in runs:
        if r.side in (KILN, TRL) and r.round == 1:
            print(f"{r.side}: {r.info}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"machine": info, "args": vars(args), **summary, "runs": [asdict(r) for r in runs]},
            indent=1,
        )
    )
    print(json.dumps(summary["extra"]))
    print(json.dumps(summary["result"]))
    return summary["result"]


async def rounds(args: argparse.Namespace, work: Path, train: Path, val: Path) -> list[Run]:
    gateway = KilnGateway()
    await gateway.start(work, train, val)
    try:
        print("warm-up (untimed) ...", flush=True)
        # Ray's first worker, imports and file caches; each baseline starts a fresh process anyway.
        await gateway.run(args, 0, 3)
        runs: list[Run] = []
        for rnd in range(1, args.rounds + 1):
            order = [KILN, TRL] if rnd % 2 else [TRL, KILN]  # ABBA: drift in the load hits both
            for side in order:
                if side == KILN:
                    runs.append(await gateway.run(args, rnd, args.steps))
                else:
                    runs.append(await asyncio.to_thread(baseline, TRL, args, rnd, args.steps, train, val, args.rows))
                r = runs[-1]
                print(f"  round {rnd} {side}: {r.tokens_per_s:,.0f} tokens/s, wall {r.wall_s:.1f}s", flush=True)
            if not args.no_plain and rnd <= args.plain_rounds:
                kiln = runs[-1] if runs[-1].side == KILN else runs[-2]
                for side, rows in ((PLAIN, args.rows), (WIDE, wide_rows(args, train))):
                    r = await asyncio.to_thread(
                        baseline, side, args, rnd, 10 * args.steps, train, val, rows, kiln.timed_tokens
                    )
                    runs.append(r)
                    print(f"  round {rnd} {side} ({rows} rows): {r.tokens_per_s:,.0f} tokens/s", flush=True)
        return runs
    finally:
        await gateway.stop()


def wide_rows(args: argparse.Namespace, train: Path) -> int:
    """As many padded rows as Kiln packs examples into a step: separates packing's gain from
    merely taking fewer optimizer steps."""
    from kiln_trainer.data.formats import read_jsonl
    from kiln_trainer.data.tokenize import tokenize_sft
    from kiln_trainer.models.loader import load_causal_lm

    examples, _ = tokenize_sft(read_jsonl(train, "sft"), load_causal_lm(args.model).tokenizer, args.seq_len)
    mean_len = statistics.mean(len(e) for e in examples)
    return max(args.rows, round(args.rows * args.seq_len / mean_len))


if __name__ == "__main__":
    main()
