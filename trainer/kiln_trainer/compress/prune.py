"""Pruning as pure tensor functions: unstructured by magnitude, structured by output-row norm.

Both return a new tensor (the input is untouched) with the pruned entries set to zero; shapes
stay the same, so a pruned weight drops into the same layer and the same quantizer (a zeroed
int8 row quantizes to scale 0 and all-zero codes).
"""

from __future__ import annotations

import torch


def _check_sparsity(sparsity: float) -> None:
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity!r}")


def magnitude_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Boolean mask (same shape as w), False on the round(sparsity * numel) smallest |w|.

    Ties at the threshold are broken by position (a stable sort), so exactly that many entries
    are dropped even when many weights share a magnitude.
    """
    _check_sparsity(sparsity)
    n_drop = round(sparsity * w.numel())
    keep = torch.ones(w.numel(), dtype=torch.bool, device=w.device)
    if n_drop:
        order = torch.sort(w.detach().abs().flatten(), stable=True).indices
        keep[order[:n_drop]] = False
    return keep.view(w.shape)


def prune_magnitude(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Zero the `sparsity` fraction of entries with the smallest magnitude."""
    return w.masked_fill(~magnitude_mask(w, sparsity), 0)


def row_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Boolean (N,) mask over output rows of a (N, K) weight, False on the lowest-L2-norm rows."""
    _check_sparsity(sparsity)
    n_drop = round(sparsity * w.shape[0])
    keep = torch.ones(w.shape[0], dtype=torch.bool, device=w.device)
    if n_drop:
        norms = w.detach().float().norm(dim=1)  # (N,)
        keep[torch.sort(norms, stable=True).indices[:n_drop]] = False
    return keep


def prune_rows(
    w: torch.Tensor, sparsity: float, bias: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Zero whole output rows (and their bias entries) with the smallest L2 norm.

    The bias goes with its row: a pruned output neuron should output exactly zero, not a
    constant that the next layer has learned nothing about.
    """
    keep = row_mask(w, sparsity)
    pruned_bias = None if bias is None else bias.masked_fill(~keep, 0)
    return w.masked_fill(~keep[:, None], 0), pruned_bias


def sparsity_of(w: torch.Tensor) -> float:
    """Fraction of exactly-zero entries."""
    return float((w == 0).sum()) / max(w.numel(), 1)
