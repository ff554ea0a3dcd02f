"""AdamW with decoupled weight decay and a warmup + cosine learning-rate schedule."""

from __future__ import annotations

import math
from functools import partial

import torch
from torch import nn


def lr_at(step: int, *, base_lr: float, warmup_steps: int, total_steps: int, min_lr_ratio: float = 0.1) -> float:
    """Learning rate for optimizer step `step` (0-based).

    Linear warmup over the first `warmup_steps` steps (step 0 already gets base_lr/warmup, never
    zero), then a cosine from base_lr down to base_lr*min_lr_ratio at the last step; beyond
    total_steps it stays at the minimum.
    """
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    decay_steps = total_steps - warmup_steps - 1
    if decay_steps <= 0:
        return base_lr
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))  # 1 -> 0
    return base_lr * (min_lr_ratio + (1.0 - min_lr_ratio) * cosine)


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Trainable parameters split into decayed (matmul weights) and not (biases, norms,
    embeddings): decaying a bias or a norm gain only pulls it away from its useful scale, and
    decaying embeddings shrinks rare tokens that receive few gradient updates."""
    no_decay: set[int] = set()
    for module in model.modules():
        if (
            isinstance(module, nn.Embedding | nn.LayerNorm | nn.GroupNorm) or "Norm" in type(module).__name__
        ):  # also RMSNorm variants of HF models
            no_decay.update(id(p) for p in module.parameters(recurse=False))
    decay, keep = [], []
    seen: set[int] = set()
    for p in model.parameters():
        if not p.requires_grad or id(p) in seen:
            continue
        seen.add(id(p))  # tied weights appear once
        (keep if id(p) in no_decay or p.ndim < 2 else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": keep, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


def build_optimizer(
    model: nn.Module, *, lr: float, weight_decay: float, betas: tuple[float, float] = (0.9, 0.95)
) -> torch.optim.AdamW:
    # beta2 = 0.95 rather than 0.999: steadier for short fine-tuning runs with noisy batches.
    return torch.optim.AdamW(param_groups(model, weight_decay), lr=lr, betas=betas, eps=1e-8)


def build_scheduler(
    optimizer: torch.optim.Optimizer,
    *,
    warmup_steps: int,
    total_steps: int,
    min_lr_ratio: float = 0.1,
) -> torch.optim.lr_scheduler.LambdaLR:
    """LambdaLR scaling each group's initial lr by lr_at(step)/base: checkpointable as a state."""
    factor = partial(lr_at, base_lr=1.0, warmup_steps=warmup_steps, total_steps=total_steps, min_lr_ratio=min_lr_ratio)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
