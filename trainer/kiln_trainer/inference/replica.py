"""One serving replica of a model: the engine behind an async, dict-in/dict-out interface.

Ray Serve wraps this class as a deployment (server/kiln_server/sampling/ray_serve.py) and the Triton
Python backend can host it too; it is plain Python so tests drive it directly. Messages are
plain dicts so they cross process boundaries without proto or torch types.

Requests: {"prompt": str, "params": SamplingParams.canonical(), "n": int}
Stream items: {"index", "token_ids", "text", "logprobs": [[id, lp, [[id, lp, text], ...], text], ...],
               "finish_reason"} and a last {"usage": {...}, "stats": {...}};
errors: one {"error": {"code", "field", "message", "retry_after_s"}} item.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.engine import Chunk, Engine, GenerationRequest, QueueFull
from kiln_trainer.inference.params import SamplingParams

log = logging.getLogger("kiln.replica")


def error_item(code: str, message: str, field: str = "", retry_after_s: float | None = None) -> dict:
    return {"error": {"code": code, "field": field, "message": message, "retry_after_s": retry_after_s}}


def load_for_serving(model: str):
    """A built-in model name or a local model directory (plain or compressed export)."""
    from kiln_trainer.models.loader import load_causal_lm

    path = Path(model)
    if path.is_dir() and (path / "kiln_compress.json").is_file():
        from kiln_trainer.compress import load_compressed

        return load_compressed(path)
    return load_causal_lm(model)


class EngineReplica:
    def __init__(
        self, model: str, model_version: str, max_batch: int = 32, max_queue: int = 64, threads: int | None = None
    ):
        import torch

        if threads:
            torch.set_num_threads(threads)
        started = time.monotonic()
        self.model_version = model_version
        self.engine = Engine(load_for_serving(model), max_batch=max_batch, max_queue=max_queue)
        log.info(
            "replica ready",
            extra={"model": model, "version": model_version, "load_s": round(time.monotonic() - started, 2)},
        )

    def _token_text(self, token_id: int) -> str:
        return self.engine.tokenizer.decode([token_id])

    def stats(self) -> dict:
        return {**self.engine.stats(), "model_version": self.model_version}

    async def generate(self, request: dict) -> dict:
        """All n completions at once: {"completions": [...], "usage": {...}, "stats": {...}}."""
        completions: dict[int, dict] = {}
        async for item in self.stream(request, eager=False):
            if "error" in item or "usage" in item:
                if "error" in item:
                    return item
                return {"completions": [completions[i] for i in sorted(completions)], **item}
            c = completions.setdefault(
                item["index"],
                {"index": item["index"], "token_ids": [], "text": "", "logprobs": [], "finish_reason": None},
            )
            c["token_ids"] += item["token_ids"]
            c["text"] += item["text"]
            c["logprobs"] += item["logprobs"]
            c["finish_reason"] = item["finish_reason"] or c["finish_reason"]
        return error_item("INTERNAL", "stream ended without usage")

    async def stream(self, request: dict, eager: bool = True) -> AsyncIterator[dict]:
        """Chunks of all n samples as they are produced; cancelling the iterator cancels them.

        With eager=False (unary calls) each sample arrives as one item when it finishes: the engine
        thread then only buffers its tokens instead of waking this event loop for every one, which
        would cost GIL hand-offs on the decoding hot path.
        """
        try:
            params = SamplingParams.from_dict(request["params"])
            prompt_ids = self.engine.tokenize(request["prompt"])
            reqs = [GenerationRequest(prompt_ids, params, index=i) for i in range(max(1, int(request.get("n", 1))))]
            for r in reqs:
                self.engine.check(r)
        except ConfigError as exc:
            field = exc.field if exc.field.startswith(("prompt", "params")) else f"params.{exc.field}"
            yield error_item("INVALID_ARGUMENT", exc.message, field)
            return
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[tuple[int, Chunk]] = asyncio.Queue()
        handles = []
        try:
            for r in reqs:
                buffered: list[Chunk] = []

                def on_chunk(chunk: Chunk, i: int = r.index, buffered: list[Chunk] = buffered) -> None:
                    if eager:
                        loop.call_soon_threadsafe(inbox.put_nowait, (i, chunk))
                        return
                    buffered.append(chunk)
                    if chunk.finish_reason is not None:
                        loop.call_soon_threadsafe(inbox.put_nowait, (i, _joined(buffered)))

                handles.append(self.engine.submit(r, on_chunk))
        except QueueFull as exc:
            for h in handles:
                h.cancel()
            yield error_item(
                "RESOURCE_EXHAUSTED",
                f"model {self.model_version} is at capacity: {exc}",
                retry_after_s=exc.retry_after_s,
            )
            return
        open_ = len(reqs)
        completion_tokens = 0
        try:
            while open_:
                batch = [await inbox.get()]
                # Under load many tokens are ready at once: send them as one message per sample.
                while not inbox.empty():
                    batch.append(inbox.get_nowait())
                for _, item in _merge(batch, self._token_text):
                    if item["finish_reason"] and item["finish_reason"].startswith("ERROR"):
                        yield error_item("INTERNAL", item["finish_reason"])
                        return
                    completion_tokens += len(item["token_ids"])
                    open_ -= item["finish_reason"] is not None
                    yield item
            yield {
                "usage": {"prompt_tokens": len(prompt_ids), "completion_tokens": completion_tokens},
                "stats": self.stats(),
            }
        finally:
            for h in handles:  # no-op for finished requests; frees the slots of abandoned ones
                h.cancel()


def _joined(chunks: list[Chunk]) -> Chunk:
    """One sample's chunks as a single chunk (the finishing one last)."""
    return Chunk(
        [t for c in chunks for t in c.token_ids],
        "".join(c.text for c in chunks),
        [lp for c in chunks for lp in c.logprobs],
        [tp for c in chunks for tp in c.top_logprobs],
        chunks[-1].finish_reason,
    )


def _merge(batch: list[tuple[int, Chunk]], token_text) -> list[tuple[int, dict]]:
    """Chunks in arrival order -> one item per sample (a sample's finishing chunk is its last)."""
    out: dict[int, dict] = {}  # insertion order = first arrival
    for i, c in batch:
        item = out.setdefault(i, {"index": i, "token_ids": [], "text": "", "logprobs": [], "finish_reason": None})
        item["token_ids"] += c.token_ids
        item["text"] += c.text
        tops = c.top_logprobs or [[] for _ in c.logprobs]
        item["logprobs"] += [
            [t, lp, [[a, alp, token_text(a)] for a, alp in top], token_text(t)]
            for t, lp, top in zip(c.token_ids, c.logprobs, tops, strict=False)
        ]
        item["finish_reason"] = c.finish_reason
    return list(out.items())
