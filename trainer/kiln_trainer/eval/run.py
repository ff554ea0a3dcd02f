"""Compute an evaluation's metrics: `evaluate(spec, progress) -> results`.

The work is a few passes over the records, each shared by every metric that needs it:

    perplexity     teacher-forced forward passes of `model` over the SFT records
    generation     one completion per prompt from `model` (the Engine, batched, seeded per record)
      -> distinct_n, exact_match     on the texts
      -> kl_to_reference             forward passes of `model` and `reference_model` on them
      -> mean_reward                 the reward model scores them
    baseline       one completion per prompt from `baseline_model`, scored -> win_rate

Image models take their own path (eval/image_run.py): generated images against reference images.

Progress counts records: every pass advances a shared counter, reported as the equivalent
number of whole records, so `completed_records` climbs steadily to `total_records` however many
passes the requested metrics take.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.data.tokenize import IGNORE, encode_chat_prompt, tokenize_sft
from kiln_trainer.errors import ConfigError
from kiln_trainer.eval import metrics as m
from kiln_trainer.eval.spec import (
    DISTINCT_N,
    EXACT_MATCH,
    GENERATIVE,
    IMAGE_METRICS,
    KL_TO_REFERENCE,
    MEAN_REWARD,
    PERPLEXITY,
    WIN_RATE,
    EvalSpec,
)
from kiln_trainer.inference.params import SamplingParams

_PROGRESS_INTERVAL_S = 1.0  # the contract: progress events about once a second at most


@dataclass(frozen=True)
class Progress:
    completed_records: int
    total_records: int
    results: dict[str, float]


@dataclass(frozen=True)
class _Item:
    """One dataset record as the evaluation sees it."""

    record: dict
    prompt_text: str  # what precedes the completion, as text (for the reward model)
    messages: tuple | None  # chat context before the last assistant turn, else None
    reference: str | None  # the dataset's completion (last assistant turn for chat records)

    def prompt_ids(self, tokenizer: Any) -> list[int]:
        if self.messages is not None:
            return encode_chat_prompt(list(self.messages), tokenizer)
        return list(tokenizer(self.prompt_text, add_special_tokens=False)["input_ids"])


def _item(record: dict) -> _Item:
    if "messages" not in record:
        return _Item(record, record["prompt"], None, record.get("completion"))
    msgs = record["messages"]
    last = max(i for i, msg in enumerate(msgs) if msg["role"] == "assistant")
    context = tuple(msgs[:last])
    # The same chat template the trainer uses (trainer/kiln_trainer/data/tokenize.py), as one string.
    text = "".join(f"<|{msg['role']}|>\n{msg['content']}\n" for msg in context) + "<|assistant|>\n"
    return _Item(record, text, context, msgs[last]["content"])


class _Tracker:
    """Counts work in record-passes and reports it as records, at most every interval and
    whenever a metric finishes."""

    def __init__(
        self,
        callback: Callable[[Progress], None],
        records: int,
        passes: int,
        interval_s: float = _PROGRESS_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.callback = callback
        self.records = records
        self.passes = max(1, passes)
        self.interval_s = interval_s
        self.clock = clock
        self.units = 0
        self.results: dict[str, float] = {}
        self._last = -math.inf

    @property
    def completed(self) -> int:
        return min(self.records, self.units // self.passes)

    def advance(self, records: int) -> None:
        self.units += records
        if self.clock() - self._last >= self.interval_s:
            self.emit()

    def finish_metric(self, values: dict[str, float]) -> None:
        self.results.update(values)
        self.emit()

    def emit(self) -> None:
        self._last = self.clock()
        self.callback(Progress(self.completed, self.records, dict(self.results)))


def _chunks(seq: Sequence, size: int) -> Iterator[tuple[int, Sequence]]:
    for start in range(0, len(seq), size):
        yield start, seq[start : start + size]


def _passes(metrics: set[str]) -> int:
    n = int(PERPLEXITY in metrics)
    if metrics & set(GENERATIVE):
        n += 1  # generation from the model
    if KL_TO_REFERENCE in metrics:
        n += 1
    if metrics & {MEAN_REWARD, WIN_RATE}:
        n += 1  # scoring the model's completions
    if WIN_RATE in metrics:
        n += 2  # generating from and scoring the baseline
    return n


def evaluate(
    spec: EvalSpec, progress: Callable[[Progress], None] = lambda _p: None, *, interval_s: float = _PROGRESS_INTERVAL_S
) -> dict[str, float]:
    """Every requested metric by its result keys. Metrics finished before an error have been
    reported through `progress` already; the error propagates."""
    with torch.no_grad():  # not set_grad_enabled(False): that would leak into the caller's thread
        return _evaluate(spec, progress, interval_s)


def _evaluate(spec: EvalSpec, progress: Callable[[Progress], None], interval_s: float) -> dict[str, float]:
    if set(spec.metrics) & set(IMAGE_METRICS):
        from kiln_trainer.eval.image_run import evaluate_images

        return evaluate_images(spec, _Tracker(progress, 0, 1, interval_s))
    records = read_jsonl(spec.dataset_path, spec.dataset_format)
    if spec.max_records:
        records = records[: spec.max_records]
    if not records:
        raise ConfigError("dataset", "has no records to evaluate")
    items = [_item(r) for r in records]
    wanted = set(spec.metrics)
    params = spec.params()
    tracker = _Tracker(progress, len(items), _passes(wanted), interval_s)
    tracker.emit()  # total_records is known from here on

    lm = _load_lm(str(spec.model))
    lm.model.eval()
    if PERPLEXITY in wanted:
        tracker.finish_metric({"perplexity": _perplexity(lm, records, spec.batch_size, tracker)})
    if not wanted & set(GENERATIVE):
        return tracker.results

    samples = _generate(lm, items, params, spec.batch_size, tracker)
    texts = [s.text for s in samples]
    if DISTINCT_N in wanted:
        tracker.finish_metric({"distinct_1": m.distinct_n(texts, 1), "distinct_2": m.distinct_n(texts, 2)})
    if EXACT_MATCH in wanted:
        tracker.finish_metric({"exact_match": m.exact_match(texts, [it.reference or "" for it in items])})
    if KL_TO_REFERENCE in wanted:
        tracker.finish_metric({"kl_to_reference": _kl(lm, spec.reference_model, samples, spec.batch_size, tracker)})
    del lm
    if wanted & {MEAN_REWARD, WIN_RATE}:
        from kiln_trainer.models.reward_model import load_reward_model

        rm = load_reward_model(str(spec.reward_model))
        rm.eval()
        prompts = [it.prompt_text for it in items]
        scores = _score(rm, prompts, texts, spec.batch_size, tracker)
        if MEAN_REWARD in wanted:
            mean, std = m.mean_std(scores)
            tracker.finish_metric({"mean_reward": mean, "reward_std": std})
        if WIN_RATE in wanted:
            baseline = _load_lm(str(spec.baseline_model))
            baseline.model.eval()
            base_texts = [s.text for s in _generate(baseline, items, params, spec.batch_size, tracker)]
            del baseline
            base_scores = _score(rm, prompts, base_texts, spec.batch_size, tracker)
            tracker.finish_metric({"win_rate": m.win_rate(scores, base_scores)})
    return tracker.results


def _load_lm(path: str) -> Any:
    """A model directory or built-in name; a quantized or pruned export (ExportModel) loads with
    its compressed modules, so its metrics are those of the weights Triton serves."""
    from kiln_trainer.compress import is_compressed, load_compressed
    from kiln_trainer.models.loader import load_causal_lm

    return load_compressed(path) if is_compressed(path) else load_causal_lm(path)


# -- passes ----------------------------------------------------------------------------------
def _right_padded(rows: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of ids -> (B, T) ids padded at the end, and the (B, T) mask of real tokens."""
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def _token_logprobs(lm: Any, rows: list[list[int]]) -> torch.Tensor:
    """(B, T-1) log p(row[t+1] | row[:t+1]) under `lm`, right-padded rows (pads score garbage)."""
    from kiln_trainer.losses import logprobs_of
    from kiln_trainer.models.loader import KILN_GPT

    ids, mask = _right_padded(rows, lm.pad_token_id)
    # Right padding under causal attention: real tokens never see the pads, so kiln-gpt needs no
    # mask (and keeps its fused attention path); Hugging Face models get the usual one.
    logits = lm.logits(ids) if lm.kind == KILN_GPT else lm.logits(ids, attention_mask=mask)  # (B, T, V)
    return logprobs_of(logits[:, :-1].float(), ids[:, 1:])  # (B, T-1)


def _perplexity(lm: Any, records: list[dict], batch_size: int, tracker: _Tracker) -> float:
    examples, stats = tokenize_sft(records, lm.tokenizer, lm.max_seq_len)
    total_nll, count = 0.0, 0
    for _, chunk in _chunks(examples, batch_size):
        lp = _token_logprobs(lm, [ex.input_ids for ex in chunk])  # (B, T-1)
        labels = torch.full(lp.shape, IGNORE, dtype=torch.long)
        for i, ex in enumerate(chunk):
            labels[i, : len(ex.labels) - 1] = torch.tensor(ex.labels[1:])
        scored = labels != IGNORE
        total_nll -= float(lp[scored].sum())
        count += int(scored.sum())
        tracker.advance(len(chunk))
    tracker.advance(stats.dropped)  # records left with nothing to score still count as done
    if count == 0:
        raise ConfigError("dataset", "no completion tokens to score (every record was truncated away)")
    return m.perplexity(total_nll, count)


@dataclass(frozen=True)
class _Sample:
    prompt_ids: list[int]
    token_ids: list[int]
    text: str


def _fit_prompt(ids: list[int], context: int, max_tokens: int | None) -> list[int]:
    """Drop the prompt's oldest tokens so that it and max_tokens new ones fit the context."""
    keep = context - (max_tokens or 1)
    if keep < 1:
        raise ConfigError(
            "sampling.max_tokens",
            f"{max_tokens} new tokens leave no room for a prompt in the model's context of {context} tokens",
        )
    return ids[-keep:]


def _generate(lm: Any, items: list[_Item], params: SamplingParams, batch_size: int, tracker: _Tracker) -> list[_Sample]:
    from kiln_trainer.inference.engine import Engine, GenerationRequest

    engine = Engine(lm, max_batch=batch_size, max_queue=batch_size)
    out: list[_Sample] = []
    try:
        for start, chunk in _chunks(items, batch_size):
            # index = the record's position: its seed is derived from (seed, index), so a record
            # gets the same completion whatever the batch it lands in.
            requests = [
                GenerationRequest(
                    _fit_prompt(it.prompt_ids(lm.tokenizer), lm.max_seq_len, params.max_tokens), params, index=start + j
                )
                for j, it in enumerate(chunk)
            ]
            for req, res in zip(requests, engine.generate(requests), strict=True):
                out.append(_Sample(req.prompt_ids, res.token_ids, res.text))
            tracker.advance(len(chunk))
    finally:
        engine.stop()
    return out


def _completion_logprobs(lm: Any, samples: Sequence[_Sample]) -> list[list[float]]:
    """Per sample, log p(token) of each of its completion tokens under `lm` (teacher-forced)."""
    rows = [s.prompt_ids + s.token_ids for s in samples]
    too_long = [len(r) for r in rows if len(r) > lm.max_seq_len]
    if too_long:
        raise ConfigError(
            "reference_model",
            f"a {max(too_long)}-token sample exceeds the reference model's context of {lm.max_seq_len}",
        )
    lp = _token_logprobs(lm, rows)  # (B, T-1)
    out = []
    for i, s in enumerate(samples):
        first = len(s.prompt_ids) - 1  # lp[:, t] scores token t + 1
        out.append(lp[i, first : first + len(s.token_ids)].tolist())
    return out


def _kl(lm: Any, reference: str | None, samples: list[_Sample], batch_size: int, tracker: _Tracker) -> float:
    from kiln_trainer.models.loader import load_causal_lm

    ref = load_causal_lm(str(reference))
    ref.model.eval()
    if ref.tokenizer.get_vocab() != lm.tokenizer.get_vocab():
        raise ConfigError("reference_model", "must share the evaluated model's tokenizer")
    per_sample: list[float] = []
    for _, chunk in _chunks(samples, batch_size):
        with_tokens = [s for s in chunk if s.token_ids]
        if with_tokens:
            ours, theirs = _completion_logprobs(lm, with_tokens), _completion_logprobs(ref, with_tokens)
            per_sample += [m.sequence_kl(a, b) for a, b in zip(ours, theirs, strict=True)]
        per_sample += [0.0] * (len(chunk) - len(with_tokens))  # an empty completion diverges by nothing
        tracker.advance(len(chunk))
    return m.mean(per_sample)


def _score(rm: Any, prompts: list[str], completions: list[str], batch_size: int, tracker: _Tracker) -> list[float]:
    scores: list[float] = []
    for start, chunk in _chunks(completions, batch_size):
        scores += rm.score_completions(prompts[start : start + len(chunk)], list(chunk), batch_size=batch_size)
        tracker.advance(len(chunk))
    return scores
