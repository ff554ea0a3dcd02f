"""Optimizers, schedules and regularizers as config options: each checked by its effect."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from kiln_trainer import optim
from kiln_trainer.configs.techniques import OptimizerArguments, ScheduleArguments
from kiln_trainer.errors import ConfigError
from kiln_trainer.losses import sft_loss
from kiln_trainer.models.gpt import GPT, GPTConfig, set_dropout
from kiln_trainer.schedules import ScheduleSpec, lr_factor

pytestmark = pytest.mark.usefixtures("one_thread")

# An ill-conditioned diagonal quadratic 0.5 * sum a_i (w_i - t_i)^2 with curvatures 1..100.
CURVATURE = torch.logspace(0, 2, 10)
TARGET = torch.linspace(-1, 1, 10)


class Quadratic(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1, 10))  # 2-D: a "matmul weight" for the param groups

    def forward(self) -> torch.Tensor:
        return 0.5 * (CURVATURE * (self.w[0] - TARGET) ** 2).sum()


def steps_to_minimum(kind: str, lr: float, limit: int = 3000, **settings) -> tuple[int, int]:
    """Optimizer steps (and loss evaluations) until every coordinate is within 1e-4 of the minimum."""
    model = Quadratic()
    opt = optim.build_optimizer(model, lr=lr, weight_decay=0.0, options=OptimizerArguments(optimizer=kind, **settings))
    evaluations = 0

    def closure() -> torch.Tensor:
        nonlocal evaluations
        evaluations += 1
        opt.zero_grad(set_to_none=True)
        loss = model()
        if optim.needs_hessian_graph(opt):
            with optim.hessian_graph():
                loss.backward(create_graph=True)
        else:
            loss.backward()
        return loss

    for step in range(limit):
        if (model.w[0] - TARGET).abs().max() < 1e-4:
            return step, evaluations
        if optim.uses_closure(opt):
            opt.step(closure)
        else:
            closure()
            opt.step()
        opt.zero_grad(set_to_none=True)
    return limit, evaluations


def test_momentum_and_nesterov_follow_the_reference_update():
    for nesterov in (False, True):
        model = Quadratic()
        opt = optim.build_optimizer(
            model,
            lr=0.01,
            weight_decay=0.0,
            options=OptimizerArguments(optimizer="sgd", momentum=0.9, nesterov=nesterov),
        )
        w, v = torch.zeros(10), torch.zeros(10)
        for _ in range(5):
            opt.zero_grad()
            model().backward()
            opt.step()
            g = CURVATURE * (w - TARGET)  # the textbook update, by hand
            v = 0.9 * v + g
            w = w - 0.01 * (g + 0.9 * v if nesterov else v)
        assert torch.allclose(model.w[0].detach(), w, atol=1e-6)
    plain, momentum = steps_to_minimum("sgd", 0.01), steps_to_minimum("sgd", 0.01, momentum=0.9)
    assert momentum[0] < plain[0] / 3  # momentum pays off on an ill-conditioned problem


def test_second_order_methods_reach_the_minimum_in_fewer_steps_than_sgd():
    sgd_steps, _ = steps_to_minimum("sgd", 1 / CURVATURE.max().item())  # SGD's largest stable-ish lr
    lbfgs_steps, lbfgs_evals = steps_to_minimum("lbfgs", 1.0)
    sophia_steps, _ = steps_to_minimum("sophia", 0.3)  # default betas and Hessian interval
    newton_steps, _ = steps_to_minimum("sophia", 1.0, beta1=0.0, beta2=0.0, hessian_update_interval=1)
    assert sgd_steps > 800
    assert lbfgs_steps <= 3 and lbfgs_evals < sgd_steps / 10  # also cheaper in loss evaluations
    assert sophia_steps < sgd_steps / 2
    assert newton_steps == 1  # exact diagonal Hessian, no averaging: one Newton step


@pytest.mark.parametrize("kind", ["adagrad", "rmsprop", "adam", "adamw", "adafactor", "lion"])
def test_every_first_order_optimizer_descends(kind):
    model = Quadratic()
    opt = optim.build_optimizer(model, lr=0.01, weight_decay=0.0, options=OptimizerArguments(optimizer=kind))
    start = model().item()
    for _ in range(30):
        opt.zero_grad()
        model().backward()
        opt.step()
    assert model().item() < 0.8 * start


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"optimizer": "sgd", "nesterov": True}, "nesterov"),
        ({"optimizer": "adam", "momentum": 0.9}, "momentum"),
        ({"optimizer": "sgd", "beta1": 0.9}, "beta1"),
        ({"optimizer": "adamw", "beta2": 1.0}, "beta2"),
        ({"optimizer": "lion", "eps": 1e-8}, "eps"),
        ({"optimizer": "adamw", "hessian_update_interval": 5}, "hessian_update_interval"),
        ({"optimizer": "sophia", "hessian_update_interval": 0}, "hessian_update_interval"),
        ({"optimizer": "newton"}, "optimizer"),
    ],
)
def test_optimizer_settings_are_checked_at_their_field(settings, field):
    with pytest.raises(ConfigError) as e:
        OptimizerArguments(**settings)
    assert e.value.field == field


# -- schedules ------------------------------------------------------------------------------------


def factor(kind: str, step: int, **kw) -> float:
    spec = ScheduleSpec(**{"kind": kind, "warmup_steps": 2, "total_steps": 23, "min_lr_ratio": 0.0, **kw})
    return lr_factor(step, spec)


def test_schedules_give_the_documented_factors():
    for kind in ("constant", "linear", "cosine", "step", "exponential", "inverse_sqrt", "cosine_restarts"):
        assert [factor(kind, s) for s in (0, 1)] == [0.5, 1.0]  # the shared warmup
        assert factor(kind, 2) == pytest.approx(1.0)  # the peak right after it
    assert factor("constant", 22) == 1.0
    assert factor("linear", 12) == pytest.approx(0.5) and factor("linear", 22) == pytest.approx(0.0)
    assert factor("cosine", 12) == pytest.approx(0.5) and factor("cosine", 22) == pytest.approx(0.0)
    assert factor("step", 8, step_size=5, gamma=0.5) == 0.5  # 6 steps after the peak: one decay
    assert factor("step", 12, step_size=5, gamma=0.5) == 0.25
    assert factor("exponential", 5, gamma=0.9) == pytest.approx(0.9**3)
    assert factor("inverse_sqrt", 8) == pytest.approx(math.sqrt(2 / 8))
    # cosine_restarts with a 4-step cycle doubling: cycles start at t = 0, 4, 12.
    restarts = [factor("cosine_restarts", 2 + t, restart_period=4, restart_mult=2.0) for t in range(14)]
    assert restarts[0] == restarts[4] == restarts[12] == 1.0
    assert restarts[2] == pytest.approx(0.5) and restarts[8] == pytest.approx(0.5)
    # one_cycle: rises from 1/25 over pct_start of the run, then anneals to the floor.
    cycle = [factor("one_cycle", s, pct_start=0.25) for s in range(23)]
    assert cycle[0] == pytest.approx(1 / 25) and max(cycle) == cycle[6] == 1.0
    assert cycle[-1] == pytest.approx(0.0) and all(a <= b for a, b in zip(cycle[:6], cycle[1:7], strict=True))


def test_reduce_on_plateau_cuts_the_lr_after_patience_evaluations():
    p = nn.Parameter(torch.zeros(2, 2))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = optim.build_scheduler(
        opt,
        warmup_steps=0,
        total_steps=100,
        options=ScheduleArguments(lr_schedule="reduce_on_plateau", plateau_patience=2, plateau_factor=0.5),
    )
    cuts = [sched.observe(v) for v in (1.0, 0.9, 0.95, 0.92, 0.91, 0.95, 0.8)]
    assert cuts == [False, False, False, True, False, True, False]
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.25)
    restored = optim.build_scheduler(
        opt, warmup_steps=0, total_steps=100, options=ScheduleArguments(lr_schedule="reduce_on_plateau")
    )
    restored.load_state_dict(sched.state_dict())  # the cut survives a checkpoint
    assert restored.scale == 0.25 and restored.best == 0.8


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"lr_schedule": "step", "lr_gamma": 1.5}, "lr_gamma"),
        ({"lr_schedule": "cosine", "lr_gamma": 0.5}, "lr_gamma"),
        ({"lr_schedule": "one_cycle", "pct_start": 1.0}, "pct_start"),
        ({"lr_schedule": "cosine_restarts", "restart_mult": 0.5}, "restart_mult"),
        ({"lr_schedule": "reduce_on_plateau", "plateau_factor": 1.0}, "plateau_factor"),
        ({"lr_schedule": "warmup_only"}, "lr_schedule"),
    ],
)
def test_schedule_settings_are_checked_at_their_field(settings, field):
    with pytest.raises(ConfigError) as e:
        ScheduleArguments(**settings)
    assert e.value.field == field


# -- regularizers ---------------------------------------------------------------------------------


def test_label_smoothing_raises_the_loss_floor_by_the_entropy_of_the_smoothed_target():
    vocab, eps = 8, 0.2
    labels = torch.tensor([[0, 3, 5, 1, 2]])
    floors = {}
    for smoothing in (0.0, eps):
        logits = torch.zeros(1, 5, vocab, requires_grad=True)
        opt = torch.optim.Adam([logits], lr=0.1)
        for _ in range(400):
            opt.zero_grad()
            total, n = sft_loss(logits, labels, smoothing)
            (total / n).backward()
            opt.step()
        floors[smoothing] = (total / n).item()
    on, off = 1 - eps + eps / vocab, eps / vocab  # the smoothed target's probabilities
    entropy = -(on * math.log(on) + (vocab - 1) * off * math.log(off))
    assert floors[0.0] < 0.02
    assert floors[eps] == pytest.approx(entropy, abs=0.01)


def test_l1_prox_and_max_norm():
    w = nn.Parameter(torch.tensor([[0.05, -0.2, 0.5], [3.0, -4.0, 0.0]]))
    optim.l1_prox([w], 0.1)
    assert torch.allclose(w, torch.tensor([[0.0, -0.1, 0.4], [2.9, -3.9, 0.0]]))
    assert (w == 0).sum() == 2  # exact zeros, not small values
    optim.max_norm([w], 1.0)
    assert torch.linalg.vector_norm(w, dim=1).max().item() <= 1.0 + 1e-5
    assert w[0].tolist() == pytest.approx([0.0, -0.1, 0.4])  # rows within the limit are untouched


def test_grad_noise_is_annealed_and_has_its_std():
    assert optim.grad_noise_std(1.0, 0) == 1.0
    assert optim.grad_noise_std(1.0, 99) == pytest.approx(100**-0.55)
    p = nn.Parameter(torch.zeros(200, 200))
    p.grad = torch.zeros_like(p)
    optim.add_grad_noise([p], 0.3, seed=7)
    assert p.grad.std().item() == pytest.approx(0.3, rel=0.02)
    q = nn.Parameter(torch.zeros(200, 200))
    q.grad = torch.zeros_like(q)
    optim.add_grad_noise([q], 0.3, seed=7)
    assert torch.equal(p.grad, q.grad)  # the same on every rank for the same step seed


def test_dropout_rates_reach_the_built_in_gpt():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16))
    x = torch.randint(0, 50, (2, 8))

    def out() -> torch.Tensor:
        y = model(x)
        return y[0] if isinstance(y, tuple) else y

    model.train()
    assert torch.equal(out(), out())  # the model's own dropout is 0
    assert set_dropout(model, attn_dropout=0.1, resid_dropout=0.2, embd_dropout=0.3) == 1
    assert model.drop.p == 0.3 and model.blocks[0].attn.dropout == 0.1
    assert model.blocks[0].attn.resid_dropout.p == 0.2 and model.blocks[0].mlp.dropout.p == 0.2
    assert not torch.equal(out(), out())
    model.eval()
    assert torch.equal(out(), out())
    assert set_dropout(nn.Linear(2, 2), embd_dropout=0.1) == 0  # not a kiln-gpt: the caller reports it
