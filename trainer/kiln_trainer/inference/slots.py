"""A preallocated, slot-per-row KV cache for kiln-gpt, written in place at every decode step.

The older path (kv.py) keeps the running batch as per-layer tensors that `torch.cat` grows by one
column each step, so every decoded token copied the whole cache of every row: a step's cost grew
with (rows x context) memory traffic on top of the attention itself. Here each running row owns
a slot (a row of fixed per-layer buffers) and its tokens sit at columns 0..length-1, i.e. at their
own positions. A decode step writes the one new (k, v) column per row with an indexed in-place
store and attends over a view of the first `max length` columns, so what remains per step is the
attention arithmetic over the live prefix.

Slots 0..size-1 are always the running rows, in the engine's row order: a row that leaves is
replaced by the last one (one row's copy, once, not per step), which keeps the attention input a
plain view of the buffers rather than a gathered copy.

Buffers grow geometrically (rows up to max_batch, columns up to the model's context), each growth
one copy, so short workloads do not pin the worst-case memory.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from kiln_trainer.inference.kv import Batch

_MIN_COLUMNS = 64
_MIN_ROWS = 4


def supports_slots(model: nn.Module) -> bool:
    """kiln-gpt (plain, LoRA-wrapped linears or compressed): the modules the step below calls."""
    return all(hasattr(model, a) for a in ("wte", "wpe", "blocks", "ln_f", "lm_head")) and all(
        hasattr(b, "attn") and hasattr(b.attn, "c_attn") and hasattr(b.attn, "n_head") for b in model.blocks
    )


class SlotCache:
    """Per-layer (rows, n_head, columns, head_size) K and V buffers plus each slot's length."""

    def __init__(self, model: nn.Module, max_rows: int, context: int):
        self.model = model
        self.max_rows = max_rows
        self.context = context
        first = model.blocks[0].attn
        self.n_head = first.n_head
        self.n_layer = len(model.blocks)
        # ln_f, not wte: an ExportModel output's embeddings are quantized buffers with no
        # `.weight`, while its final LayerNorm stays a float module of width n_embd.
        w = model.ln_f.weight
        self.head_size = w.shape[0] // self.n_head
        self.dtype, self.device = w.dtype, w.device
        self.k: list[torch.Tensor] = []
        self.v: list[torch.Tensor] = []
        self.lengths: list[int] = []  # tokens held by each running slot
        self._alloc(0, 0)

    @property
    def size(self) -> int:
        return len(self.lengths)

    @property
    def rows_capacity(self) -> int:
        return self.k[0].shape[0] if self.k else 0

    @property
    def columns_capacity(self) -> int:
        return self.k[0].shape[2] if self.k else 0

    # -- storage ---------------------------------------------------------------------------------
    def _alloc(self, rows: int, columns: int) -> None:
        """Grow to at least (rows, columns), doubling; existing contents are kept."""
        have_r, have_c = self.rows_capacity, self.columns_capacity
        if self.k and rows <= have_r and columns <= have_c:
            return
        new_rows, new_cols = max(have_r, _MIN_ROWS), max(have_c, _MIN_COLUMNS)
        while new_rows < rows:
            new_rows *= 2
        while new_cols < columns:
            new_cols *= 2
        new_rows, new_cols = min(new_rows, max(self.max_rows, 1)), min(new_cols, self.context)
        # Zeros, not empty: masked columns still meet a 0 weight in attention, and 0 * NaN from
        # uninitialised memory would poison the row.
        shape = (new_rows, self.n_head, new_cols, self.head_size)
        old_k, old_v = self.k, self.v
        self.k = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in range(self.n_layer)]
        self.v = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in range(self.n_layer)]
        n, c = self.size, max(self.lengths, default=0)
        for i in range(len(old_k)):
            self.k[i][:n, :, :c] = old_k[i][:n, :, :c]
            self.v[i][:n, :, :c] = old_v[i][:n, :, :c]

    def add(self, batch: Batch) -> None:
        """Append the rows of a left-padded prefill cache (kv.Batch) as new slots at the end."""
        lengths = batch.mask.sum(dim=1).tolist()
        first = self.size
        if first + len(lengths) > self.max_rows:
            raise ValueError(f"{first + len(lengths)} rows exceed the cache's {self.max_rows} slots")
        self._alloc(first + len(lengths), max(lengths) + 1)
        S = batch.length
        for li, (k, v) in enumerate(batch.layers):
            for j, n in enumerate(lengths):
                self.k[li][first + j, :, :n] = k[j, :, S - n :]
                self.v[li][first + j, :, :n] = v[j, :, S - n :]
        self.lengths.extend(int(n) for n in lengths)

    def remove(self, gone: set[int]) -> list[int]:
        """Free slots `gone`; returns the new order of the surviving slots (old indices).

        Each hole below the new size is filled by a surviving slot from the tail: at most one
        row's cache moves per leaving row, and only its live columns.
        """
        keep_n = self.size - len(gone)
        holes = sorted(i for i in gone if i < keep_n)
        tails = [i for i in range(keep_n, self.size) if i not in gone]
        order = list(range(self.size))
        for hole, tail in zip(holes, tails, strict=True):
            n = self.lengths[tail]
            for li in range(self.n_layer):
                self.k[li][hole, :, :n] = self.k[li][tail, :, :n]
                self.v[li][hole, :, :n] = self.v[li][tail, :, :n]
            self.lengths[hole] = n
            order[hole] = tail
        del self.lengths[keep_n:]
        return order[:keep_n]

    def clear(self) -> None:
        self.lengths = []

    # -- the step --------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, tokens: torch.Tensor) -> torch.Tensor:
        """One token per running slot (B,) -> next-token logits (B, V); the cache grows in place."""
        B = self.size
        if tokens.shape[0] != B:
            raise ValueError(f"{tokens.shape[0]} tokens for {B} running slots")
        L = max(self.lengths) + 1
        self._alloc(B, L)
        pos = torch.tensor(self.lengths, device=self.device)  # (B,): the new token's column
        rows = torch.arange(B, device=self.device)
        # Rows shorter than the longest must not see the stale columns past their end; equal
        # lengths (one client, or rows that started together) take SDPA's unmasked path.
        mask = None
        if min(self.lengths) + 1 != L:
            mask = (torch.arange(L, device=self.device)[None, :] <= pos[:, None])[:, None, None, :]
        m = self.model
        x = m.wte(tokens.to(self.device))[:, None] + m.wpe(pos)[:, None]  # (B, 1, C)
        C = x.shape[-1]
        nh, hs = self.n_head, self.head_size
        for li, block in enumerate(m.blocks):
            attn = block.attn
            q, k, v = attn.c_attn(block.ln_1(x)).split(C, dim=2)
            kb, vb = self.k[li], self.v[li]
            kb[rows, :, pos] = k.view(B, nh, hs)  # (B, nh, hs) lands at column pos[b] of slot b
            vb[rows, :, pos] = v.view(B, nh, hs)
            y = F.scaled_dot_product_attention(
                q.view(B, 1, nh, hs).transpose(1, 2), kb[:B, :, :L], vb[:B, :, :L], attn_mask=mask
            )  # (B, nh, 1, hs)
            x = x + attn.resid_dropout(attn.c_proj(y.transpose(1, 2).reshape(B, 1, C)))
            x = x + block.mlp(block.ln_2(x))
        self.lengths = [n + 1 for n in self.lengths]
        return m.lm_head(m.ln_f(x))[:, 0]
