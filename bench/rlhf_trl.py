"""The baseline of bench.rlhf's throughput rows, in a process of its own: TRL's GRPOTrainer.

    python -m bench.rlhf_trl --model kiln-gpt-tiny --steps 8 --batch 16 --group 8 --max-new-tokens 32

The model is Kiln's, converted to a Hugging Face GPT2LMHeadModel with identical weights and
logits (kiln_trainer.models.hf_convert), with Kiln's tokenizer; the prompts are the same 64
demo prompts and the reward the same scoring function ("charset:aeiou") that Kiln's GRPO
rollouts of bench.rlhf get, `--batch` completions per step in groups of `--group`, every
completion exactly `--max-new-tokens` long (eos does not stop it, as in Kiln's run), one
optimisation pass per batch. Prints one JSON line: the seconds of every step after the first
(which warms up), and the steps/s over them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from typing import Any

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="kiln-gpt-tiny")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16, help="completions per step")
    parser.add_argument("--group", type=int, default=8, help="completions per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from kiln_trainer.data.demo import DEMO_SFT_PATH
    from kiln_trainer.data.formats import read_jsonl
    from kiln_trainer.models.hf_convert import to_hf_gpt2
    from kiln_trainer.models.loader import load_causal_lm
    from kiln_trainer.scoring import resolve

    lm = load_causal_lm(args.model, seed=0)
    model = to_hf_gpt2(lm.model, eos_token_id=lm.eos_token_id)
    tokenizer = lm.tokenizer
    prompts = [r["prompt"] for r in read_jsonl(DEMO_SFT_PATH, "sft")[:64]]
    score = resolve("charset:aeiou")

    def reward(prompts: list[str], completions: list[str], **_: Any) -> list[float]:
        return [float(score(p, c)) for p, c in zip(prompts, completions, strict=True)]

    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, *a: Any, **kw: Any) -> None:
            self.started = time.perf_counter()

        def on_step_end(self, *a: Any, **kw: Any) -> None:
            times.append(time.perf_counter() - self.started)

    with tempfile.TemporaryDirectory() as tmp:
        config = GRPOConfig(
            output_dir=tmp,
            max_steps=args.steps,
            per_device_train_batch_size=args.batch,
            num_generations=args.group,
            max_completion_length=args.max_new_tokens,
            learning_rate=1e-5,
            logging_steps=10**6,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            bf16=False,
            # Off: TRL turns it on by default to save memory, which a tiny model does not need
            # and Kiln does not do; it would cost TRL a second forward pass per step.
            gradient_checkpointing=False,
            seed=0,
            # Fixed-length completions, as Kiln's rollouts here: eos does not end one early.
            generation_kwargs={"min_new_tokens": args.max_new_tokens},
        )
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=reward,
            args=config,
            train_dataset=Dataset.from_list([{"prompt": p} for p in prompts]),
            processing_class=tokenizer,
            callbacks=[Clock()],
        )
        trainer.train()
    timed = times[1:]  # the first step warms up
    print(json.dumps({"trl_steps_per_s": len(timed) / sum(timed), "step_s": timed}))


if __name__ == "__main__":
    main()
