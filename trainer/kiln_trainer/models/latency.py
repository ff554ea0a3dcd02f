"""Measured decode latency of a kiln-gpt model: the hardware-aware cost of architecture search.

Parameter count is a proxy; what a serving user pays is time per generated token, which depth
(sequential blocks) and width move differently. The figure is taken on one CPU thread whatever
device trained the model, so trials of one sweep are compared on the same footing and a busy
multi-core host disturbs it less.
"""

from __future__ import annotations

import copy
import statistics
import time

import torch

from kiln_trainer.models.gpt import GPT

PROMPT_TOKENS = 8  # a fixed short prompt: token ids 1..8
NEW_TOKENS = 16  # greedy tokens decoded per run (no eos: every run decodes all of them)
RUNS = 5  # timed runs after one warm-up; the median is reported


def decode_ms_per_token(model: GPT, *, new_tokens: int = NEW_TOKENS, runs: int = RUNS) -> float:
    """Median over `runs` of the wall time of a greedy KV-cached decode of `new_tokens` tokens
    after a fixed prompt, divided by `new_tokens`, in milliseconds, on one CPU thread."""
    cpu = copy.deepcopy(model).cpu().eval()
    prompt = torch.arange(1, PROMPT_TOKENS + 1)[None]
    new_tokens = min(new_tokens, cpu.config.block_size - PROMPT_TOKENS)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cpu.generate(prompt, new_tokens)  # warm-up: allocator and kernel selection
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            cpu.generate(prompt, new_tokens)
            times.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return 1000.0 * statistics.median(times) / new_tokens
