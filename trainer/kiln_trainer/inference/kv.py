"""One interface over the KV caches of kiln-gpt and Hugging Face causal LMs, for a batch whose
rows are left-padded to a common length.

A running batch is (cache, mask): per layer a (k, v) pair of (B, nh, S, hs) tensors and a
(B, S) mask with 1 for real tokens. Rows join by being left-padded to the longer length and
concatenated; rows leave by index selection; columns that are padding in every row are trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from kiln_trainer.models.loader import KILN_GPT, LoadedModel

Layers = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class Batch:
    layers: Layers
    mask: torch.Tensor  # (B, S) long, 1 = real token

    @property
    def size(self) -> int:
        return self.mask.shape[0]

    @property
    def length(self) -> int:
        return self.mask.shape[1]


class ModelRunner:
    """Prefill and decode for a LoadedModel, always returning plain per-layer (k, v) tensors."""

    def __init__(self, lm: LoadedModel):
        self.lm = lm
        self.model = lm.model
        self.is_kiln = lm.kind == KILN_GPT
        self.device = next(self.model.parameters()).device

    @torch.no_grad()
    def prefill(self, prompts: list[list[int]]) -> tuple[torch.Tensor, Batch]:
        """Left-padded prompts -> last-position logits (b, V) and their cache."""
        S = max(len(p) for p in prompts)
        ids = torch.zeros(len(prompts), S, dtype=torch.long)
        mask = torch.zeros(len(prompts), S, dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, S - len(p) :] = torch.tensor(p)
            mask[i, S - len(p) :] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        positions = (mask.cumsum(1) - 1).clamp(min=0)
        logits, layers = self._forward(ids, positions, mask, None)
        return logits[:, -1], Batch(layers, mask)

    @torch.no_grad()
    def decode(self, tokens: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, Batch]:
        """One token per row (B,) -> next logits (B, V) and the extended cache."""
        positions = batch.mask.sum(dim=1, keepdim=True)  # (B, 1): real tokens so far
        mask = torch.cat([batch.mask, torch.ones_like(batch.mask[:, :1])], dim=1)
        logits, layers = self._forward(tokens[:, None].to(self.device), positions, mask, batch.layers)
        return logits[:, -1], Batch(layers, mask)

    def _forward(self, ids, positions, mask, past: Layers | None):
        if self.is_kiln:
            # A mask of all ones is plain causal attention: skip it and take SDPA's fast path.
            am = None if bool(mask.all()) else mask
            logits, layers = self.model(
                ids, position_ids=positions, past_key_values=past, use_cache=True, attention_mask=am
            )
            return logits, list(layers)
        from transformers import DynamicCache

        cache = DynamicCache(ddp_cache_data=past) if past else DynamicCache()
        out = self.model(
            input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache, use_cache=True
        )
        layers = [(layer.keys, layer.values) for layer in out.past_key_values.layers]
        return out.logits, layers


def merge(a: Batch | None, b: Batch) -> Batch:
    """Rows of `a` then rows of `b`, left-padded to the longer of the two."""
    if a is None or a.size == 0:
        return b
    S = max(a.length, b.length)
    a, b = _left_pad(a, S), _left_pad(b, S)
    layers = [(torch.cat([ka, kb]), torch.cat([va, vb])) for (ka, va), (kb, vb) in zip(a.layers, b.layers, strict=True)]
    return Batch(layers, torch.cat([a.mask, b.mask]))


def select(batch: Batch, keep: list[int]) -> Batch:
    """Only the rows in `keep`, with the columns that are padding in all of them trimmed."""
    idx = torch.tensor(keep, device=batch.mask.device)
    mask = batch.mask.index_select(0, idx)
    real = mask.any(dim=0).nonzero()
    start = int(real[0]) if real.numel() else mask.shape[1]
    layers = [(k.index_select(0, idx)[:, :, start:], v.index_select(0, idx)[:, :, start:]) for k, v in batch.layers]
    return Batch(layers, mask[:, start:])


def _left_pad(batch: Batch, S: int) -> Batch:
    extra = S - batch.length
    if extra == 0:
        return batch
    layers = [(F.pad(k, (0, 0, extra, 0)), F.pad(v, (0, 0, extra, 0))) for k, v in batch.layers]
    return Batch(layers, F.pad(batch.mask, (extra, 0)))
