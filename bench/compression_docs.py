"""Rewrites the Compression section of docs/benchmarks.md from bench/results/compression.json.

    python -m bench.compression_docs

The section is generated, never edited by hand, so the figures cannot drift from the run that
produced them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "compression.json"
# What the figures mean and why (written after reading a run); appended to the section as is.
NOTES = Path(__file__).parent / "results" / "compression_notes.md"
DOCS = Path(__file__).parent.parent / "docs" / "benchmarks.md"
HEADING = "## Compression — `python -m bench.compression`"


def _quality_rows(evals: dict[str, dict[str, float]]) -> list[str]:
    names = {
        "teacher": "teacher fp32 (kiln-gpt-small)",
        "int8": "teacher int8",
        "int4": "teacher int4 (group 128)",
        "student_distill": "student, DISTILL (kiln-gpt-tiny)",
        "student_sft": "student, SFT only (kiln-gpt-tiny)",
    }
    base = evals["teacher"]["test_ppl"]
    rows = [
        "| model | test ppl | ppl change | test exact match | unseen-phrasing ppl | unseen-phrasing exact match |",
        "|---|---|---|---|---|---|",
    ]
    for label, e in evals.items():
        change = f"**{100 * (e['test_ppl'] / base - 1):+.2f}%**" if label in ("int8", "int4") else ""
        rows.append(
            f"| {names.get(label, label)} | {e['test_ppl']:.4f} | {change} | {e['test_exact_match']:.3f} "
            f"| {e['unseen_ppl']:.4f} | {e['unseen_exact_match']:.3f} |"
        )
    return rows


def _speed_rows(rates: dict[str, float], size: dict[str, int]) -> list[str]:
    if not rates:
        return ["(speed not measured in this run: --skip-speed)"]
    rows = ["| model | weights MB | bytes ratio | decode tok/s | speedup |", "|---|---|---|---|---|"]
    for q in ("fp32", "int8", "int4"):
        r = rates[f"speed-{q}"] / rates["speed-fp32"]
        rows.append(
            f"| {q} | {size[q] / 1e6:.1f} | {size[q] / size['fp32']:.3f} | {rates[f'speed-{q}']:.1f} | {r:.2f}x |"
        )
    for label in ("teacher", "student"):
        if label in rates:
            rows.append(f"| {label} | | | {rates[label]:.1f} | {rates[label] / rates['teacher']:.2f}x |")
    return rows


def render(doc: dict[str, Any]) -> str:
    m, a, q, res = doc["machine"], doc["args"], doc["quality"], doc["result"]
    machine = (
        f"{m['cpu']}, {m['cpus']} CPUs, {m['threads']} threads, ISA {' '.join(m['isa_flags']) or '-'}, "
        f"torch {m['torch']}, commit {m['commit']}"
    )
    teacher = (
        f"kiln-gpt-small, SFT job with early stopping (patience {a['patience']} validations of "
        f"{a['eval_every']} steps, min_delta {a['min_delta']}, best weights restored): stopped at step "
        f"{q['teacher_steps']}, last val loss {q['teacher_final_val_loss']:.4f}, trained in "
        f"{q['teacher_train_s'] / 60:.1f} min on this shared machine"
        + (" (by an earlier run: cached)" if q["teacher_cached"] else "")
    )
    lines = [
        HEADING,
        "",
        "Everything goes through Kiln's API as a user would run it: datasets uploaded, the teacher and",
        "both students trained by jobs, int8/int4 made by ExportModel, every quality figure computed by",
        "an evaluation (PERPLEXITY scores completion tokens only; EXACT_MATCH decodes greedily). Data",
        "(bench/compression_data.py): five templated tasks, three training phrasings each plus one",
        f"held out; {a['train_records']} training records; test = {a['eval_records']} new records under",
        "the training phrasings (no prompt of val or test occurs in training); unseen =",
        f"{a['eval_records']} records under the held-out phrasings only.",
        "",
        f"Machine: {machine}.",
        "",
        f"Teacher: {teacher}. The gateway's data dir under --cache-dir keeps it for reruns.",
        "",
        *_quality_rows(q["evals"]),
        "",
        f"Students: kiln-gpt-tiny, {a['student_steps']} steps each, same data, batch, schedule and seed; "
        f"DISTILL with temperature {a['temperature']}, alpha {a['alpha']}, kl {a.get('kl', 'forward')}.",
        "",
        "Speed and size: a random-weight kiln-gpt, 6 layers x 1024 (78M parameters), where weight",
        "bytes dominate decoding; fp32, int8 and int4 each loaded in a private tritonserver (CPU,",
        "Python backend, Kiln's kernels), greedy, batch 1, median of interleaved rounds.",
        "",
        *_speed_rows(doc.get("decode_tokens_per_s", {}), doc.get("weights_bytes", {})),
        "",
        "Targets: int8 <= +1% perplexity, int4 <= +3%; int8 decode through Triton >= 2.0x fp32;",
        "distill_vs_sft_student_ppl_ratio < 1 (distillation beats SFT alone at equal steps).",
        "",
        "```",
        json.dumps(res),
        "```",
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text().rstrip(), ""]
    return "\n".join(lines)


def rewrite(docs: Path = DOCS, results: Path = RESULTS) -> None:
    text = docs.read_text()
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    section = render(json.loads(results.read_text()))
    rest = text[end + 1 :] if end != -1 else ""
    docs.write_text(text[:start] + section.rstrip("\n") + ("\n\n" + rest if rest else "\n"))


if __name__ == "__main__":
    rewrite()
