"""Examples -> training batches: padded rows, or packed rows of several documents each.

Packing puts short examples side by side in one row (greedy first-fit), so a batch is nearly
all real tokens instead of mostly padding. `doc_ids` tells the model where documents start and
end; it keeps attention inside each document and restarts positions per document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import torch

from kiln_trainer.data.tokenize import IGNORE, Example

PAD_DOC = -1  # doc id of padding positions in packed rows


@dataclass
class Batch:
    input_ids: torch.Tensor  # (B, T)
    labels: torch.Tensor  # (B, T), IGNORE on untrained tokens and padding
    attention_mask: torch.Tensor | None = None  # (B, T) 1 = real token; padded batches
    doc_ids: torch.Tensor | None = None  # (B, T) document index within the row; packed batches
    position_ids: torch.Tensor | None = None  # (B, T) restart at 0 per document; packed batches
    n_tokens: int = 0  # real (non-padding) tokens, counted on the host: no device sync
    n_targets: int = 0  # positions the loss is taken over (labels after the shift)

    def to(self, device: torch.device | str) -> Batch:
        moved = {
            f.name: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v
            for f in fields(self)
            for v in [getattr(self, f.name)]
        }
        return Batch(**moved)


def _n_targets(labels: Sequence[int]) -> int:
    return sum(1 for t in labels[1:] if t != IGNORE)


def pad_batch(examples: Sequence[Example], pad_id: int) -> Batch:
    """Right-pad to the longest example in the batch."""
    T = max(len(e) for e in examples)
    B = len(examples)
    input_ids = torch.full((B, T), pad_id, dtype=torch.long)
    labels = torch.full((B, T), IGNORE, dtype=torch.long)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e)
        input_ids[i, :n] = torch.tensor(e.input_ids)
        labels[i, :n] = torch.tensor(e.labels)
        attention_mask[i, :n] = 1
    return Batch(
        input_ids,
        labels,
        attention_mask=attention_mask,
        n_tokens=sum(len(e) for e in examples),
        n_targets=sum(_n_targets(e.labels) for e in examples),
    )


def pack_bins(lengths: Sequence[int], max_seq_len: int) -> list[list[int]]:
    """Greedy first-fit: each index goes into the first bin with room, else a new bin.

    Returns bins of indices into `lengths`, in order of creation; within a bin, indices keep
    their input order. Every length must be <= max_seq_len.
    """
    bins: list[list[int]] = []
    free: list[int] = []  # room left in each bin
    for i, n in enumerate(lengths):
        if n > max_seq_len:
            raise ValueError(f"example {i} has {n} tokens, more than max_seq_len {max_seq_len}")
        for b, room in enumerate(free):
            if n <= room:
                bins[b].append(i)
                free[b] -= n
                break
        else:
            bins.append([i])
            free.append(max_seq_len - n)
    return bins


def packed_batch(rows: Sequence[Sequence[Example]], pad_id: int) -> Batch:
    """One row per bin of examples, right-padded to the fullest row.

    The first label of every document is IGNORE: the only position that would predict it is
    the previous document's last token, which must not learn across the boundary.
    """
    T = max(sum(len(e) for e in row) for row in rows)
    ids_rows, label_rows, doc_rows, pos_rows = [], [], [], []
    n_tokens = n_targets = 0
    for row in rows:
        ids: list[int] = []
        labels: list[int] = []
        docs: list[int] = []
        pos: list[int] = []
        for d, e in enumerate(row):
            ids.extend(e.input_ids)
            labels.append(IGNORE)
            labels.extend(e.labels[1:])
            docs.extend([d] * len(e))
            pos.extend(range(len(e)))
            n_targets += _n_targets(e.labels)
        n_tokens += len(ids)
        pad = T - len(ids)
        ids_rows.append(ids + [pad_id] * pad)
        label_rows.append(labels + [IGNORE] * pad)
        doc_rows.append(docs + [PAD_DOC] * pad)
        pos_rows.append(pos + list(range(pad)))
    return Batch(
        torch.tensor(ids_rows),
        torch.tensor(label_rows),
        doc_ids=torch.tensor(doc_rows),
        position_ids=torch.tensor(pos_rows),
        n_tokens=n_tokens,
        n_targets=n_targets,
    )
