"""SFT throughput: Kiln's trainer (packed batches) against a plain PyTorch loop (padded batches).

    python -m bench.sft [--model kiln-gpt-small] [--batch-size 8] [--seq-len 128] [--rounds 3]

Both sides train the same model on the same demo records with the same batch size (rows per
step) and sequence length, using AdamW. Throughput counts effective tokens only: the real
prompt + completion tokens, never padding. Each side's first `--warmup-steps` steps are not
timed; Kiln's time is read from its own per-step reports (the steady-state loop, without model
loading or saving, whose wall time is shown separately); the plain loop then runs until it has
processed as many effective tokens as Kiln's timed window. Runs alternate, Kiln then plain, for
`--rounds` rounds after an untimed warm-up round, and the medians are compared.

For context the table also shows a plain loop with as many rows per batch as Kiln packs
examples into one step ("wide"): it separates packing's gain from merely taking fewer optimizer
steps. The JSON compares with the same-batch-size loop only.

The last line printed is one JSON object: {"kiln_tokens_per_s", "plain_tokens_per_s", "ratio"}.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from kiln_trainer.algorithms.sft import SFTConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH
from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.data.tokenize import Example, tokenize_sft
from kiln_trainer.models.loader import load_causal_lm


@dataclass
class Measurement:
    side: str
    round: int
    steps: int  # timed optimizer steps
    tokens: int  # effective tokens in the timed window
    seconds: float
    padded_tokens: int  # tokens including padding (Kiln: an upper bound, rows x seq len)
    wall_s: float  # the whole call, setup included

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds


class TimedContext(LocalContext):
    """A LocalContext that notes when each metrics report arrives."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.marks: list[tuple[float, float]] = []  # (time, cumulative effective tokens)

    def report_metrics(self, step, metrics, total_steps=None) -> None:
        if "tokens" in metrics:
            self.marks.append((time.perf_counter(), metrics["tokens"]))
        super().report_metrics(step, metrics, total_steps)


def run_kiln(args: argparse.Namespace, rnd: int, steps: int) -> Measurement:
    cfg = SFTConfig(
        base_model=args.model,
        train_path=str(DEMO_SFT_PATH),
        max_steps=steps,
        batch_size=args.batch_size,
        max_seq_len=args.seq_len,
        packing=True,
        learning_rate=3e-4,
        warmup_steps=2,
        val_fraction=0.0,
        log_every=1,
        checkpoint_every=steps,
        seed=rnd,
    )
    with tempfile.TemporaryDirectory() as d:
        ctx = TimedContext(Path(d))
        start = time.perf_counter()
        train(cfg, ctx)
        wall = time.perf_counter() - start
    (t0, tok0), (t1, tok1) = ctx.marks[args.warmup_steps - 1], ctx.marks[-1]
    timed = len(ctx.marks) - args.warmup_steps
    return Measurement(
        "kiln (packed)", rnd, timed, int(tok1 - tok0), t1 - t0, timed * args.batch_size * args.seq_len, wall
    )


def plain_batches(examples: list[Example], batch_size: int, seed: int):
    """Endless shuffled padded batches: (input_ids, labels, effective tokens, padded tokens)."""
    order = list(range(len(examples)))
    rng = random.Random(seed)
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - batch_size + 1, batch_size):
            batch = [examples[j] for j in order[i : i + batch_size]]
            T = max(len(e) for e in batch)
            ids = torch.zeros((batch_size, T), dtype=torch.long)
            labels = torch.full((batch_size, T), -100, dtype=torch.long)
            for r, e in enumerate(batch):
                ids[r, : len(e)] = torch.tensor(e.input_ids)
                labels[r, : len(e)] = torch.tensor(e.labels)
            yield ids, labels, sum(len(e) for e in batch), batch_size * T


def run_plain(
    args: argparse.Namespace,
    rnd: int,
    examples: list[Example],
    target_tokens: int,
    rows: int,
    side: str = "plain (padded)",
) -> Measurement:
    start = time.perf_counter()
    model = load_causal_lm(args.model, seed=rnd).model
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    tokens = padded = steps = 0
    t0 = None
    for step, (ids, labels, n_real, n_padded) in enumerate(plain_batches(examples, rows, rnd)):
        if step == args.warmup_steps:
            t0 = time.perf_counter()
        logits = model(ids)  # (B, T, V); right padding needs no mask under causal attention
        loss = F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if t0 is not None:
            tokens += n_real
            padded += n_padded
            steps += 1
            if tokens >= target_tokens:
                break
    seconds = time.perf_counter() - t0
    return Measurement(side, rnd, steps, tokens, seconds, padded, time.perf_counter() - start)


def print_table(rows: list[Measurement]) -> None:
    headers = [
        "side",
        "round",
        "timed steps",
        "effective tokens",
        "padded tokens",
        "seconds",
        "tokens/s",
        "wall s (incl. setup)",
    ]
    data = [
        [
            m.side,
            str(m.round),
            str(m.steps),
            f"{m.tokens:,}",
            f"{m.padded_tokens:,}",
            f"{m.seconds:.2f}",
            f"{m.tokens_per_s:,.0f}",
            f"{m.wall_s:.1f}",
        ]
        for m in rows
    ]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(r[i]) for r in data)) for i, h in enumerate(headers)]
        for line in [headers, *data]:
            print("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)))
        return
    table = Table(title="SFT throughput (effective tokens/s)")
    for h in headers:
        table.add_column(h, justify="left" if h == "side" else "right")
    for r in data:
        table.add_row(*r)
    Console(width=140).print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="kiln-gpt-small")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--steps", type=int, default=12, help="Kiln optimizer steps per run")
    parser.add_argument("--warmup-steps", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-wide", action="store_true", help="skip the wide plain loop")
    args = parser.parse_args(argv)

    print(
        f"model {args.model}, batch {args.batch_size} rows, seq len {args.seq_len}, "
        f"{torch.get_num_threads()} threads, torch {torch.__version__}"
    )
    tok = load_causal_lm(args.model).tokenizer
    examples, _ = tokenize_sft(read_jsonl(DEMO_SFT_PATH, "sft"), tok, args.seq_len)

    mean_len = statistics.mean(len(e) for e in examples)
    wide = max(args.batch_size, round(args.batch_size * args.seq_len / mean_len))
    plain_side, wide_side = "plain (padded)", f"plain (padded, wide: {wide} rows)"

    # Untimed round: first-use costs (kernel selection, allocator growth) land here.
    warm = run_kiln(args, 0, args.warmup_steps + 2)
    run_plain(args, 0, examples, warm.tokens, args.batch_size)

    rows: list[Measurement] = []
    for rnd in range(1, args.rounds + 1):
        kiln = run_kiln(args, rnd, args.steps)
        rows.append(kiln)
        rows.append(run_plain(args, rnd, examples, kiln.tokens, args.batch_size, plain_side))
        if not args.no_wide:
            rows.append(run_plain(args, rnd, examples, kiln.tokens, wide, wide_side))
    print_table(rows)

    def median(side: str) -> float:
        return statistics.median(m.tokens_per_s for m in rows if m.side == side)

    kiln_tps, plain_tps = median("kiln (packed)"), median(plain_side)
    if not args.no_wide:
        print(
            f"medians: kiln {kiln_tps:,.0f}, plain {plain_tps:,.0f}, "
            f"plain wide {median(wide_side):,.0f} effective tokens/s"
        )
    print(
        json.dumps(
            {
                "kiln_tokens_per_s": round(kiln_tps, 1),
                "plain_tokens_per_s": round(plain_tps, 1),
                "ratio": round(kiln_tps / plain_tps, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
