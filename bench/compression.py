"""Compression: fp32 vs int8 vs int4 exports, and a distilled student against its teacher.

    python -m bench.compression [--teacher-steps 150] [--student-steps 150] [--decode-tokens 48]

Two models, because one cannot show both things on a 2-core CPU in minutes:
- quality: a *trained* model. The teacher is kiln-gpt-small fine-tuned with the SFT trainer on
  the first 1800 records of trainer/kiln_trainer/data/assets/demo_sft.jsonl; perplexity is measured on the
  last 200 (held out). int8 / int4 (group 128) exports of it give the perplexity change.
- speed and size: a larger random-weight kiln-gpt (6 layers, n_embd 1024, ~80M parameters),
  where weight bytes dominate decoding as they do for real models. Its fp32, int8 and int4
  versions are each loaded into a private tritonserver (Python backend, Kiln's engine and
  quantized kernels) and decoded through Triton's gRPC streaming, greedy, batch 1. Decode
  tokens/s = (N - 1) / (time of an N-token request - time of a 1-token request), which takes
  prefill and per-request overhead out; median of rounds.
- distillation: a kiln-gpt-tiny student trained with the DISTILL trainer from the teacher on the
  same records. student_quality_ratio = teacher held-out perplexity / student held-out
  perplexity (1.0 = as good as the teacher, lower is worse); student_speedup = the student's
  decode tokens/s through Triton over the teacher's.

Weight bytes ratio = size of the export's weights file / size of the fp32 model's weights file.
The last line printed is one JSON object: {"int8_bytes_ratio", "int4_bytes_ratio",
"int8_ppl_delta_pct", "int4_ppl_delta_pct", "int8_decode_speedup", "int4_decode_speedup",
"student_quality_ratio", "student_speedup"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from kiln_trainer.algorithms.distill import DistillConfig
from kiln_trainer.algorithms.distill import train as distill
from kiln_trainer.algorithms.sft import SFTConfig
from kiln_trainer.algorithms.sft import train as sft
from kiln_trainer.compress import export_model, load_compressed
from kiln_trainer.compress.calibrate import perplexity
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH, write_jsonl
from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.models.gpt import GPT, GPTConfig
from kiln_trainer.models.loader import KILN_GPT, LoadedModel, load_causal_lm

HELD_OUT = 200
SPEED_CONFIG = GPTConfig(vocab_size=2048, block_size=512, n_layer=6, n_head=16, n_embd=1024)
PROMPT = "Reverse the word: garden\n"


_T0 = time.perf_counter()


def _phase(what: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.0f}s] {what}", file=sys.stderr, flush=True)


def _text(r: dict) -> str:
    return r["prompt"] + r["completion"]


def _train_teacher(work: Path, train_path: Path, steps: int) -> Path:
    cfg = SFTConfig(
        base_model="kiln-gpt-small",
        train_path=str(train_path),
        max_steps=steps,
        batch_size=16,
        max_seq_len=64,
        learning_rate=1e-3,
        warmup_steps=10,
        eval_every=steps,
        log_every=25,
        checkpoint_every=10_000,
    )
    return sft(cfg, LocalContext(work / "teacher")).model_dir


def _distill_student(work: Path, train_path: Path, teacher: Path, steps: int) -> Path:
    cfg = DistillConfig(
        base_model="kiln-gpt-tiny",
        train_path=str(train_path),
        teacher_model=str(teacher),
        max_steps=steps,
        batch_size=16,
        max_seq_len=64,
        learning_rate=2e-3,
        warmup_steps=10,
        eval_every=steps,
        log_every=25,
        checkpoint_every=10_000,
        temperature=2.0,
        alpha=0.5,
    )
    return distill(cfg, LocalContext(work / "student")).model_dir


def _speed_model(work: Path) -> Path:
    torch.manual_seed(0)
    tokenizer = load_causal_lm("kiln-gpt-tiny").tokenizer  # the shared Kiln tokenizer
    return LoadedModel(GPT(SPEED_CONFIG), tokenizer, KILN_GPT, SPEED_CONFIG.block_size).save(work / "speed-fp32")


def _weights_bytes(model_dir: Path) -> int:
    return sum(f.stat().st_size for f in Path(model_dir).glob("*.safetensors"))


async def _decode_rates(dirs: dict[str, Path], work: Path, tokens: int, rounds: int) -> dict[str, float]:
    """Median decode tokens/s of each model through a private tritonserver."""
    from kiln_server.sampling.triton import TritonBackend
    from kiln_server.sampling.triton_repo import TritonEntry, write_entry

    backend = TritonBackend(None, work / "triton" / "models", work / "triton")
    threads = os.cpu_count() or 1
    params = {"temperature": 0.0, "max_tokens": tokens, "stop_at_eos": False}
    rates: dict[str, list[float]] = {k: [] for k in dirs}

    async def timed(name: str, n: int) -> float:
        started = time.perf_counter()
        count = 0
        async for item in backend.stream(name, {"prompt": PROMPT, "params": {**params, "max_tokens": n}, "n": 1}):
            if "error" in item:
                raise RuntimeError(f"{name}: {item['error']}")
            count += len(item.get("token_ids", []))
        assert count == n, (name, count, n)
        return time.perf_counter() - started

    try:
        await backend.ensure_started()
        for name, path in dirs.items():
            write_entry(
                backend.model_repository, TritonEntry(name, str(path), name, torch_threads=threads, engine_max_batch=4)
            )
            await backend.load(name)
        for name in dirs:  # warm-up: kernel builds, first-call allocations
            await backend.generate(name, {"prompt": PROMPT, "params": {**params, "max_tokens": 4}, "n": 1})
        for _ in range(rounds):
            for name in dirs:
                one, full = await timed(name, 1), await timed(name, tokens)
                rates[name].append((tokens - 1) / max(full - one, 1e-9))
        for name in dirs:
            await backend.unload(name)
    finally:
        await backend.close()
    return {k: statistics.median(v) for k, v in rates.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher-steps", type=int, default=120)
    ap.add_argument("--student-steps", type=int, default=120)
    ap.add_argument("--decode-tokens", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)

    records = read_jsonl(DEMO_SFT_PATH, "sft")
    train_records, held = records[:-HELD_OUT], [_text(r) for r in records[-HELD_OUT:]]
    with tempfile.TemporaryDirectory(prefix="kiln-bench-compress-") as tmp:
        work = Path(tmp)
        train_path = work / "train.jsonl"
        write_jsonl(train_records, train_path)

        _phase("training the teacher")
        t0 = time.perf_counter()
        teacher = _train_teacher(work, train_path, args.teacher_steps)
        t_teacher = time.perf_counter() - t0
        _phase("exporting the teacher (perplexity before/after)")
        quality = {
            q: export_model(teacher, work / f"teacher-{q}", quantization=q, eval_texts=held) for q in ("int8", "int4")
        }
        teacher_ppl = quality["int8"].perplexity_before
        _phase("distilling the student")
        t0 = time.perf_counter()
        student = _distill_student(work, train_path, teacher, args.student_steps)
        t_student = time.perf_counter() - t0
        student_ppl = perplexity(load_causal_lm(str(student)), held)

        _phase("building and exporting the speed model")
        speed_fp32 = _speed_model(work)
        size = {q: export_model(speed_fp32, work / f"speed-{q}", quantization=q) for q in ("int8", "int4")}
        fp32_bytes = _weights_bytes(speed_fp32)
        for q in ("int8", "int4"):  # the exports load back (sha256, shapes) before timing them
            load_compressed(work / f"speed-{q}")
        _phase("decoding through tritonserver")
        rates = asyncio.run(
            _decode_rates(
                {
                    "speed-fp32": speed_fp32,
                    "speed-int8": work / "speed-int8",
                    "speed-int4": work / "speed-int4",
                    "teacher": teacher,
                    "student": student,
                },
                work,
                args.decode_tokens,
                args.rounds,
            )
        )

    def delta(q: str) -> float:
        r = quality[q]
        return 100.0 * (r.perplexity_after - r.perplexity_before) / r.perplexity_before

    result = {
        "int8_bytes_ratio": size["int8"].size_bytes / fp32_bytes,
        "int4_bytes_ratio": size["int4"].size_bytes / fp32_bytes,
        "int8_ppl_delta_pct": delta("int8"),
        "int4_ppl_delta_pct": delta("int4"),
        "int8_decode_speedup": rates["speed-int8"] / rates["speed-fp32"],
        "int4_decode_speedup": rates["speed-int4"] / rates["speed-fp32"],
        "student_quality_ratio": teacher_ppl / student_ppl,
        "student_speedup": rates["student"] / rates["teacher"],
    }
    n_speed = sum(p.numel() for p in GPT(SPEED_CONFIG).parameters())
    print(
        f"teacher: kiln-gpt-small SFT {args.teacher_steps} steps ({t_teacher:.0f}s); student: kiln-gpt-tiny "
        f"DISTILL {args.student_steps} steps ({t_student:.0f}s); held-out texts: {HELD_OUT}"
    )
    print(
        f"speed model: kiln-gpt {SPEED_CONFIG.n_layer}x{SPEED_CONFIG.n_embd}, {n_speed / 1e6:.0f}M params; "
        f"decode through tritonserver, greedy, batch 1, {args.decode_tokens} tokens, median of {args.rounds}"
    )
    print()
    print(
        f"{'model':<12} {'weights MB':>11} {'bytes ratio':>12} {'held-out ppl':>13} {'ppl delta':>10} "
        f"{'decode tok/s':>13} {'speedup':>8}"
    )
    print(
        f"{'fp32':<12} {fp32_bytes / 1e6:>11.1f} {1.0:>12.3f} {teacher_ppl:>13.3f} {'':>10} "
        f"{rates['speed-fp32']:>13.1f} {1.0:>8.2f}"
    )
    for q in ("int8", "int4"):
        print(
            f"{q:<12} {size[q].size_bytes / 1e6:>11.1f} {result[f'{q}_bytes_ratio']:>12.3f} "
            f"{quality[q].perplexity_after:>13.3f} {result[f'{q}_ppl_delta_pct']:>+9.2f}% "
            f"{rates[f'speed-{q}']:>13.1f} {result[f'{q}_decode_speedup']:>8.2f}"
        )
    print(f"{'teacher':<12} {'':>11} {'':>12} {teacher_ppl:>13.3f} {'':>10} {rates['teacher']:>13.1f} {1.0:>8.2f}")
    print(
        f"{'student':<12} {'':>11} {'':>12} {student_ppl:>13.3f} {'':>10} {rates['student']:>13.1f} "
        f"{result['student_speedup']:>8.2f}"
    )
    print(f"student_quality_ratio (teacher ppl / student ppl): {result['student_quality_ratio']:.3f}")
    print(json.dumps({k: round(v, 4) for k, v in result.items()}))


if __name__ == "__main__":
    main()
