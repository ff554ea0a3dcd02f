"""Calibration: the inputs each linear layer sees on sample texts, and held-out perplexity."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

from kiln_trainer.models.loader import LoadedModel


def _token_rows(loaded: LoadedModel, texts: Iterable[str]) -> list[torch.Tensor]:
    """Each text as a (1, T) id tensor ending in eos, truncated to the model's context."""
    rows = []
    for text in texts:
        ids = loaded.tokenizer(text)["input_ids"] + [loaded.eos_token_id]
        ids = ids[: loaded.max_seq_len]
        if len(ids) >= 2:
            rows.append(torch.tensor([ids]))
    return rows


@torch.no_grad()
def collect_inputs(
    loaded: LoadedModel, texts: list[str], layer_names: list[str], *, max_rows: int = 1024, seed: int = 0
) -> dict[str, torch.Tensor]:
    """layer name -> (R, K) float32 inputs that layer saw, R <= max_rows sampled uniformly."""
    seen: dict[str, list[torch.Tensor]] = {name: [] for name in layer_names}

    def hook(name: str):
        def fn(_module: nn.Module, args: tuple, _out: torch.Tensor) -> None:
            seen[name].append(args[0].detach().reshape(-1, args[0].shape[-1]).float().cpu())

        return fn

    handles = [loaded.model.get_submodule(n).register_forward_hook(hook(n)) for n in layer_names]
    was_training = loaded.model.training
    loaded.model.eval()
    try:
        device = next(loaded.model.parameters()).device
        for ids in _token_rows(loaded, texts):
            loaded.logits(ids.to(device))
    finally:
        for h in handles:
            h.remove()
        loaded.model.train(was_training)
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, chunks in seen.items():
        if not chunks:
            raise ValueError("calibration texts produced no tokens")
        x = torch.cat(chunks)  # (R_all, K)
        if x.shape[0] > max_rows:
            x = x[torch.randperm(x.shape[0], generator=g)[:max_rows]]
        out[name] = x
    return out


@torch.no_grad()
def perplexity(loaded: LoadedModel, texts: list[str]) -> float:
    """exp(mean next-token NLL) over all tokens of `texts`, each text scored on its own."""
    was_training = loaded.model.training
    loaded.model.eval()
    total_nll, total_tokens = 0.0, 0
    try:
        device = next(iter(loaded.model.state_dict().values())).device
        for ids in _token_rows(loaded, texts):
            ids = ids.to(device)
            logits = loaded.logits(ids).float()  # (1, T, V)
            nll = torch.nn.functional.cross_entropy(logits[0, :-1], ids[0, 1:], reduction="sum")
            total_nll += float(nll)
            total_tokens += ids.shape[1] - 1
    finally:
        loaded.model.train(was_training)
    if not total_tokens:
        raise ValueError("evaluation texts produced no tokens")
    return math.exp(total_nll / total_tokens)
