"""Warmup + cosine schedule and AdamW parameter groups."""

import math

import pytest
import torch

from kiln_trainer.models.gpt import GPT, GPTConfig
from kiln_trainer.optim import build_optimizer, build_scheduler, lr_at, param_groups


def lr(step, warmup=4, total=14, ratio=0.1):
    return lr_at(step, base_lr=1.0, warmup_steps=warmup, total_steps=total, min_lr_ratio=ratio)


def test_linear_warmup():
    assert [lr(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]


def test_cosine_decay_to_min():
    assert lr(4) == 1.0  # first step after warmup: peak
    assert math.isclose(lr(13), 0.1)  # last step: the floor
    # Halfway through the decay (9 decay steps after the peak): cos(pi/2) -> middle value.
    assert math.isclose(lr_at(9, base_lr=2.0, warmup_steps=4, total_steps=15, min_lr_ratio=0.0), 1.0)
    values = [lr(s) for s in range(4, 14)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert lr(100) == pytest.approx(0.1)  # past the end: stays at the floor


def test_edge_cases():
    assert lr(0, warmup=0, total=1) == 1.0  # a single step runs at the peak
    assert lr(0, warmup=0, total=5) == 1.0
    assert lr(2, warmup=5, total=3) == pytest.approx(0.6)  # warmup longer than the run


def test_scheduler_follows_lr_at():
    p = torch.nn.Parameter(torch.zeros(2, 2))
    opt = torch.optim.AdamW([p], lr=0.5)
    sched = build_scheduler(opt, warmup_steps=3, total_steps=10, min_lr_ratio=0.2)
    seen = []
    for _ in range(10):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    expected = [lr_at(s, base_lr=0.5, warmup_steps=3, total_steps=10, min_lr_ratio=0.2) for s in range(10)]
    assert seen == pytest.approx(expected)


def test_no_decay_on_biases_norms_and_embeddings():
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=8))
    decay, no_decay = param_groups(model, 0.1)
    names = {id(p): n for n, p in model.named_parameters()}
    decayed = sorted(names[id(p)] for p in decay["params"])
    assert decayed == [
        "blocks.0.attn.c_attn.weight",
        "blocks.0.attn.c_proj.weight",
        "blocks.0.mlp.c_fc.weight",
        "blocks.0.mlp.c_proj.weight",
    ]
    assert no_decay["weight_decay"] == 0.0 and decay["weight_decay"] == 0.1
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))
    opt = build_optimizer(model, lr=1e-3, weight_decay=0.1)
    assert isinstance(opt, torch.optim.AdamW) and opt.defaults["betas"] == (0.9, 0.95)


def test_frozen_parameters_are_left_out():
    model = torch.nn.Linear(3, 3)
    model.bias.requires_grad_(False)
    groups = param_groups(model, 0.0)
    assert [len(g["params"]) for g in groups] == [1]
