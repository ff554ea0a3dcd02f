"""The continuous-batching engine: requests join and leave the running batch at token boundaries.

One background thread owns the model. Each iteration it (1) drops cancelled rows, (2) prefills
newly admitted requests and merges their caches into the running batch, (3) decodes one token
for every running row, each with its own sampling settings, and (4) hands each request its new
tokens and retires finished rows. Requests wait in a bounded queue; past it, `submit` raises
QueueFull at once instead of letting latency grow without bound.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.kv import Batch, ModelRunner, merge, select
from kiln_trainer.inference.params import DEFAULT_MAX_TOKENS, SamplingParams, derive_seed
from kiln_trainer.inference.sampler import RowSampling, sample_rows
from kiln_trainer.inference.slots import SlotCache, supports_slots
from kiln_trainer.inference.text import TextStream
from kiln_trainer.models.loader import LoadedModel

log = logging.getLogger("kiln.engine")

STOP, LENGTH, CANCELLED = "STOP", "LENGTH", "CANCELLED"


class QueueFull(Exception):
    """The engine's waiting queue is at its bound; retry after `retry_after_s`."""

    def __init__(self, depth: int, retry_after_s: float):
        super().__init__(f"{depth} requests already waiting; retry in {retry_after_s:.1f}s")
        self.retry_after_s = retry_after_s


@dataclass
class GenerationRequest:
    prompt_ids: list[int]
    params: SamplingParams = field(default_factory=SamplingParams)
    index: int = 0  # which of the n samples of one client request; seeds derive from it
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class Chunk:
    """New output of one request since its previous chunk."""

    token_ids: list[int]
    text: str
    logprobs: list[float]
    top_logprobs: list[list[tuple[int, float]]]
    finish_reason: str | None = None  # set on the request's last chunk


@dataclass
class GenerationResult:
    token_ids: list[int]
    text: str
    logprobs: list[float]
    top_logprobs: list[list[tuple[int, float]]]
    finish_reason: str
    prompt_tokens: int


class RequestHandle:
    """The caller's side of one request: chunks arrive through `on_chunk` (engine thread)."""

    def __init__(self, request: GenerationRequest, on_chunk: Callable[[Chunk], None]):
        self.request = request
        self.on_chunk = on_chunk
        self.cancelled = threading.Event()
        self.submitted_at = time.monotonic()

    def cancel(self) -> None:
        """Stop generating; the engine frees the row at the next token boundary."""
        self.cancelled.set()


@dataclass
class _Row:
    handle: RequestHandle
    max_tokens: int
    sampling: RowSampling
    stream: TextStream
    generated: list[int] = field(default_factory=list)
    pending: int | None = None  # sampled, not yet fed to the model
    logprobs: list[float] = field(default_factory=list)
    tops: list[list[tuple[int, float]]] = field(default_factory=list)


class Engine:
    def __init__(self, lm: LoadedModel, *, max_batch: int = 32, max_queue: int = 64, prefill_tokens: int = 512):
        self.lm = lm
        self.runner = ModelRunner(lm)
        self.tokenizer = lm.tokenizer
        self.context = lm.max_seq_len
        self.eos = lm.eos_token_id
        self.max_batch = max_batch
        self.max_queue = max_queue
        # Prompt tokens prefilled per iteration (at least one request): a burst of long prompts
        # is admitted over a few iterations, so the running rows keep decoding in between
        # instead of all waiting for every prefill (inter-token latency), and the first
        # requests of the burst get their first token sooner.
        self.prefill_tokens = prefill_tokens
        self._waiting: deque[RequestHandle] = deque()
        self._wake = threading.Condition()
        self._rows: list[_Row] = []
        self._batch: Batch | None = None
        # kiln-gpt decodes into preallocated per-row slots written in place (slots.py); other
        # models keep the concatenating cache of kv.py.
        self._slots: SlotCache | None = None
        if self.runner.is_kiln and supports_slots(lm.model):
            self._slots = SlotCache(lm.model, max_batch, self.context)
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.steps = 0
        self.tokens_out = 0
        lm.model.eval()

    # -- public --------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def check(self, request: GenerationRequest) -> int:
        """Validates a request against this model; returns its effective max_tokens."""
        n = len(request.prompt_ids)
        if n == 0:
            raise ConfigError("prompt", "must not be empty")
        room = self.context - n
        if room < 1:
            raise ConfigError("prompt", f"{n} tokens leave no room in the model's context of {self.context}")
        asked = request.params.max_tokens
        if asked is not None and asked > room:
            raise ConfigError(
                "params.max_tokens",
                f"{asked} new tokens after a {n}-token prompt exceed the "
                f"model's context of {self.context} tokens (at most {room})",
            )
        return asked if asked is not None else min(DEFAULT_MAX_TOKENS, room)

    def submit(self, request: GenerationRequest, on_chunk: Callable[[Chunk], None]) -> RequestHandle:
        """Queue a request (thread-safe). Raises ConfigError for bad input, QueueFull past the bound."""
        self.check(request)
        handle = RequestHandle(request, on_chunk)
        with self._wake:
            if len(self._waiting) >= self.max_queue:
                raise QueueFull(len(self._waiting), retry_after_s=0.5)
            self._waiting.append(handle)
            self._wake.notify()
        self._ensure_thread()
        return handle

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Blocking: run all requests through the batcher and return their results in order."""
        boxes: list[queue.Queue] = []
        for r in requests:
            box: queue.Queue = queue.Queue()
            boxes.append(box)
            self._submit_blocking(r, box.put)
        return [collect(r, box) for r, box in zip(requests, boxes, strict=True)]

    def stats(self) -> dict[str, int]:
        return {
            "running": len(self._rows),
            "waiting": len(self._waiting),
            "max_batch": self.max_batch,
            "steps": self.steps,
            "tokens_out": self.tokens_out,
        }

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- the loop ------------------------------------------------------------------------------
    def _submit_blocking(self, request: GenerationRequest, on_chunk) -> None:
        while True:
            try:
                self.submit(request, on_chunk)
                return
            except QueueFull:
                time.sleep(0.01)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._wake:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._loop, name="kiln-engine", daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        torch.set_grad_enabled(False)
        while True:
            with self._wake:
                while not self._stopped and not self._waiting and not self._rows:
                    self._wake.wait()
                if self._stopped:
                    self._cancel_all()
                    return
                admitted = self._admit()
            try:
                self._iteration(admitted)
            except Exception as exc:  # a model error must not leave callers waiting forever
                log.exception("engine iteration failed")
                self._fail_all(admitted, exc)

    def _admit(self) -> list[RequestHandle]:
        """Waiting requests to start now (FIFO): free rows, and `prefill_tokens` of prompts."""
        admitted: list[RequestHandle] = []
        budget = self.prefill_tokens
        while self._waiting and len(self._rows) + len(admitted) < self.max_batch:
            n = len(self._waiting[0].request.prompt_ids)
            if admitted and n > budget:
                break
            budget -= n
            admitted.append(self._waiting.popleft())
        return admitted

    def _iteration(self, admitted: list[RequestHandle]) -> None:
        self._retire([(i, CANCELLED) for i, r in enumerate(self._rows) if r.handle.cancelled.is_set()])
        fresh = [h for h in admitted if not h.cancelled.is_set()]
        for h in admitted:
            if h.cancelled.is_set():
                h.on_chunk(Chunk([], "", [], [], CANCELLED))
        if fresh:
            self._prefill(fresh)
        if self._rows:
            feed = [i for i, r in enumerate(self._rows) if r.pending is not None]
            if feed:
                tokens = torch.tensor([self._rows[i].pending for i in range(len(self._rows))])
                logits = self._decode_step(tokens)
                for r in self._rows:
                    r.pending = None
                self._advance(list(range(len(self._rows))), logits)
        self.steps += 1

    def _decode_step(self, tokens: torch.Tensor) -> torch.Tensor:
        """One token for every running row (B,) -> their next-token logits (B, V)."""
        if self._slots is not None:
            return self._slots.decode(tokens)
        logits, self._batch = self.runner.decode(tokens, self._batch)
        return logits

    def _prefill(self, handles: list[RequestHandle]) -> None:
        rows = [self._new_row(h) for h in handles]
        prompts = [h.request.prompt_ids for h in handles]
        first = len(self._rows)
        if self._slots is not None:
            # One prompt per forward: prompts of 8 and 200 tokens left-padded together would
            # compute (and mask) the padding; alone each takes SDPA's unmasked causal path and
            # goes straight into its slot.
            parts = []
            for p in prompts:
                part, batch = self.runner.prefill([p])
                self._slots.add(batch)
                parts.append(part)
            logits = torch.cat(parts)
        else:
            logits, batch = self.runner.prefill(prompts)
            self._batch = merge(self._batch, batch)
        self._rows.extend(rows)
        self._advance(list(range(first, first + len(rows))), logits, fresh=True)

    def _new_row(self, h: RequestHandle) -> _Row:
        p = h.request.params
        seed = derive_seed(p.seed, h.request.index)
        gen = None
        if not p.greedy:
            gen = torch.Generator().manual_seed(seed if seed is not None else int.from_bytes(os.urandom(7), "little"))
        seen = torch.tensor(h.request.prompt_ids) if p.repetition_penalty != 1.0 else None
        sampling = RowSampling(p.temperature, p.top_k, p.top_p, p.repetition_penalty, gen, seen, p.top_logprobs)
        return _Row(h, self.check(h.request), sampling, TextStream(self.decode, p.stop))

    def _advance(self, idx: list[int], logits: torch.Tensor, fresh: bool = False) -> None:
        """Sample the next token of rows `idx` (logits row j belongs to row idx[j]) and emit it."""
        rows = [self._rows[i] for i in idx]
        draws = sample_rows(logits, [r.sampling for r in rows], [r.handle.request.params.logprobs for r in rows])
        done: list[tuple[int, str]] = []
        for i, r, d in zip(idx, rows, draws, strict=True):
            if d.error is not None:  # this request alone fails; its batch mates carry on
                log.warning("sampling row failed: %s", d.error)
                done.append((i, f"ERROR: FloatingPointError: {d.error}"))
                continue
            reason = self._take(r, d)
            if reason is not None:
                done.append((i, reason))
        self.tokens_out += len(rows)
        self._retire(done)

    def _take(self, r: _Row, d) -> str | None:
        p = r.handle.request.params
        if p.stop_at_eos and d.token == self.eos:
            return STOP
        r.generated.append(d.token)
        if r.sampling.seen is not None:
            r.sampling.seen = torch.cat([r.sampling.seen, torch.tensor([d.token])])
        text = r.stream.push(d.token)
        chunk = Chunk([d.token], text, [d.logprob] if p.logprobs else [], [d.top] if p.top_logprobs else [])
        if r.stream.stopped:
            r.handle.on_chunk(chunk)
            return STOP
        total = len(r.handle.request.prompt_ids) + len(r.generated)
        if len(r.generated) >= r.max_tokens or total >= self.context:
            r.handle.on_chunk(chunk)
            return LENGTH
        r.pending = d.token
        r.handle.on_chunk(chunk)
        return None

    def _retire(self, done: list[tuple[int, str]]) -> None:
        """Finish rows (index into self._rows, finish reason) and drop them from the batch at once."""
        if not done:
            return
        gone = {i for i, _ in done}
        for i, reason in done:
            r = self._rows[i]
            r.handle.on_chunk(Chunk([], r.stream.finish(), [], [], reason))
        if self._slots is not None:
            self._rows = [self._rows[i] for i in self._slots.remove(gone)]
            return
        keep = [i for i in range(len(self._rows)) if i not in gone]
        self._rows = [self._rows[i] for i in keep]
        self._batch = select(self._batch, keep) if keep else None

    def _cancel_all(self) -> None:
        self._retire([(i, CANCELLED) for i in range(len(self._rows))])
        while self._waiting:
            self._waiting.popleft().on_chunk(Chunk([], "", [], [], CANCELLED))

    def _fail_all(self, admitted: list[RequestHandle], exc: Exception) -> None:
        for h in [*(r.handle for r in self._rows), *admitted]:
            h.on_chunk(Chunk([], "", [], [], f"ERROR: {type(exc).__name__}: {exc}"))
        self._rows, self._batch = [], None
        if self._slots is not None:
            self._slots.clear()


def collect(request: GenerationRequest, box: queue.Queue) -> GenerationResult:
    """Drain one request's chunks (from a queue fed by on_chunk) into its result."""
    ids, text, lps, tops = [], [], [], []
    while True:
        c: Chunk = box.get()
        ids += c.token_ids
        text.append(c.text)
        lps += c.logprobs
        tops += c.top_logprobs
        if c.finish_reason is not None:
            if c.finish_reason.startswith("ERROR"):
                raise RuntimeError(c.finish_reason)
            return GenerationResult(ids, "".join(text), lps, tops, c.finish_reason, len(request.prompt_ids))
