"""The baselines of bench.sft, each run in a process of its own (as Kiln's job runs in a Ray worker).

    python -m bench.sft_baselines --side trl|plain --model kiln-gpt-small --seed 1 ...

Prints one JSON line: the training clock after every optimizer step (seconds since the end of
the first step, validation passes excluded), the real (non-padding) tokens of every step, the
validation losses and the process's wall time. bench.sft starts it and reads that line.

- trl: TRL's SFTTrainer on the model converted to a Hugging Face GPT2LMHeadModel (identical
  weights and logits, kiln_trainer.models.hf_convert), packing with TRL's default best-fit
  decreasing strategy and therefore padding-free batches (one flattened row per step, documents
  kept apart by the block-diagonal mask transformers builds from position_ids). The data is the
  same token ids and labels Kiln trains on (tokenized by kiln_trainer's tokenize_sft), so the
  loss covers the completion tokens only on both sides.
- plain: a hand-written loop over right-padded batches of the same examples on Kiln's own GPT
  module (no Hugging Face code); `--rows` sets how many rows a batch has.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from typing import Any

import torch
import torch.nn.functional as F

from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.data.tokenize import IGNORE, Example, tokenize_sft
from kiln_trainer.models.loader import load_causal_lm
from kiln_trainer.schedules import ScheduleSpec, lr_factor


@torch.no_grad()
def hf_val_loss(model: Any, examples: list[Example], pad_id: int, batch: int = 32) -> float:
    """Mean next-token cross-entropy over the completion tokens of `examples`, weighted by token
    (what Kiln's val_loss is): right-padded batches with an attention mask."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(examples), batch):
        chunk = examples[i : i + batch]
        T = max(len(e) for e in chunk)
        ids = torch.full((len(chunk), T), pad_id, dtype=torch.long)
        labels = torch.full((len(chunk), T), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(chunk), T), dtype=torch.long)
        for r, e in enumerate(chunk):
            ids[r, : len(e)] = torch.tensor(e.input_ids)
            labels[r, : len(e)] = torch.tensor(e.labels)
            mask[r, : len(e)] = 1
        logits = model(input_ids=ids, attention_mask=mask).logits
        targets = labels[:, 1:]
        keep = targets != IGNORE
        total += float(F.cross_entropy(logits[:, :-1][keep].float(), targets[keep], reduction="sum"))
        count += int(keep.sum())
    model.train(was_training)
    return total / max(count, 1)


class Clock:
    """Training seconds since the end of the first step, with the validation passes taken out."""

    def __init__(self) -> None:
        self.times: list[float] = []  # after each step
        self.mark: float | None = None
        self.elapsed = 0.0

    def step_done(self) -> None:
        now = time.perf_counter()
        if self.mark is not None:
            self.elapsed += now - self.mark
        self.times.append(self.elapsed)
        self.mark = now

    def resume(self) -> None:
        """After a validation pass: what follows counts again from now."""
        self.mark = time.perf_counter()


def run_trl(args: argparse.Namespace, train: list[Example], val: list[Example]) -> dict[str, Any]:
    from datasets import Dataset  # type: ignore[import-untyped]
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from kiln_trainer.models.hf_convert import to_hf_gpt2

    loaded = load_causal_lm(args.model, seed=args.seed)
    model = to_hf_gpt2(loaded.model, loaded.eos_token_id).train()
    tokenizer = loaded.tokenizer
    data = Dataset.from_list([{"input_ids": e.input_ids, "labels": e.labels} for e in train])
    clock, tokens, evals = Clock(), [], []

    class Record(TrainerCallback):
        def on_step_end(self, targs, state, control, model=None, **kw):  # type: ignore[no-untyped-def]
            clock.step_done()
            if state.global_step % args.eval_every == 0 or state.global_step == args.steps:
                started = time.perf_counter()
                loss = hf_val_loss(model, val, loaded.pad_token_id)
                evals.append([state.global_step, loss, time.perf_counter() - started])
                clock.resume()

    class SameSchedule(SFTTrainer):
        """TRL with Kiln's warmup + cosine schedule to the step: transformers' cosine_with_min_lr
        warms up from lr 0 at step 0 (one step later than Kiln's (step + 1) / warmup), which
        would cost this side its first step."""

        def create_scheduler(self, num_training_steps, optimizer=None):  # type: ignore[no-untyped-def]
            if getattr(self, "lr_scheduler", None) is None:  # transformers' own test, untyped here
                spec = ScheduleSpec("cosine", args.warmup, num_training_steps, 0.1)
                opt = optimizer or self.optimizer
                self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_factor(step, spec))
            return self.lr_scheduler

    with tempfile.TemporaryDirectory() as out:
        cfg = SFTConfig(
            output_dir=out,
            max_length=args.seq_len,
            packing=True,  # TRL's default strategy (bfd) makes the batches padding-free
            per_device_train_batch_size=args.rows,
            gradient_accumulation_steps=1,
            max_steps=args.steps,
            learning_rate=args.lr,
            adam_beta1=0.9,
            adam_beta2=0.95,
            adam_epsilon=1e-8,
            weight_decay=0.0,
            max_grad_norm=1.0,
            lr_scheduler_type="cosine_with_min_lr",  # replaced by SameSchedule's, which it nearly is
            lr_scheduler_kwargs={"min_lr_rate": 0.1},
            warmup_steps=args.warmup,
            logging_steps=10,
            eval_strategy="no",
            save_strategy="no",
            report_to=[],
            seed=args.seed,
            use_cpu=True,
            bf16=False,
            fp16=False,
            dataloader_num_workers=0,
            disable_tqdm=True,
        )
        trainer = SameSchedule(model=model, args=cfg, train_dataset=data, processing_class=tokenizer)
        collate = trainer.data_collator

        def counting(features):  # type: ignore[no-untyped-def]
            batch = collate(features)
            tokens.append(int(batch["input_ids"].numel()))  # padding-free: every position is real
            return batch

        trainer.data_collator = counting
        trainer.callback_handler.add_callback(Record())
        trainer.train()
        optimizer = type(trainer.optimizer.optimizer if hasattr(trainer.optimizer, "optimizer") else trainer.optimizer)
        info = {
            "optimizer": f"{optimizer.__module__}.{optimizer.__name__} ({cfg.optim})",
            "attention": model.config._attn_implementation,
            "padding_free": bool(trainer.padding_free),
        }
    # The data loader runs one batch ahead: the last collated batch was never trained on.
    return {"times": clock.times, "tokens": tokens[: len(clock.times)], "evals": evals, "info": info}


def padded_batches(examples: list[Example], rows: int, pad_id: int, seed: int):  # type: ignore[no-untyped-def]
    """Endless shuffled right-padded batches: (input_ids, labels, real tokens)."""
    order = list(range(len(examples)))
    rng = random.Random(seed)
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - rows + 1, rows):
            batch = [examples[j] for j in order[i : i + rows]]
            T = max(len(e) for e in batch)
            ids = torch.full((rows, T), pad_id, dtype=torch.long)
            labels = torch.full((rows, T), IGNORE, dtype=torch.long)
            for r, e in enumerate(batch):
                ids[r, : len(e)] = torch.tensor(e.input_ids)
                labels[r, : len(e)] = torch.tensor(e.labels)
            yield ids, labels, sum(len(e) for e in batch)


def run_plain(args: argparse.Namespace, train: list[Example]) -> dict[str, Any]:
    loaded = load_causal_lm(args.model, seed=args.seed)
    model = loaded.model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
    # The plain loops are throughput rows only: a constant lr, no schedule to match.
    clock, tokens = Clock(), []
    seen = 0
    for ids, labels, n_real in padded_batches(train, args.rows, loaded.pad_token_id, args.seed):
        logits = model(ids)  # right padding needs no mask under causal attention
        loss = F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=IGNORE)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        clock.step_done()
        tokens.append(n_real)
        if len(tokens) > 1:
            seen += n_real
        if seen >= args.max_tokens or len(tokens) >= args.steps:
            break
    return {"times": clock.times, "tokens": tokens, "evals": [], "info": {}}


def main() -> None:
    started = time.perf_counter()
    p = argparse.ArgumentParser()
    p.add_argument("--side", choices=["trl", "plain"], required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--train", required=True, help="JSONL of SFT records")
    p.add_argument("--val", required=True, help="JSONL of SFT records")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rows", type=int, required=True, help="rows per batch (packed rows for trl)")
    p.add_argument("--seq-len", type=int, required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--max-tokens", type=int, default=1 << 62, help="plain: stop after this many timed tokens")
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--warmup", type=int, required=True)
    p.add_argument("--eval-every", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    tok = load_causal_lm(args.model).tokenizer
    train, _ = tokenize_sft(read_jsonl(args.train, "sft"), tok, args.seq_len)
    val, _ = tokenize_sft(read_jsonl(args.val, "sft"), tok, args.seq_len)
    out = run_trl(args, train, val) if args.side == "trl" else run_plain(args, train)
    out |= {"wall_s": time.perf_counter() - started, "threads": torch.get_num_threads()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
