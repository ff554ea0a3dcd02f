"""Optimizers, schedules and weight-space regularizers, built from a config's technique keys
(configs/techniques.py); the Trainer base calls these, so every method gets them.

Update rules come from torch.optim (SGD, Adagrad, RMSprop, Adam, AdamW, L-BFGS) and
pytorch-optimizer (Adafactor, Lion, SophiaH); nothing here re-implements one.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from kiln_trainer.configs.techniques import OptimizerArguments, RegularizationArguments, ScheduleArguments
from kiln_trainer.schedules import Schedule, ScheduleSpec, lr_factor

# Per-optimizer defaults where Kiln differs from the library's: AdamW's beta2 = 0.95 is steadier
# for short fine-tuning runs with noisy batches (today's behaviour, kept as the default).
DEFAULT_BETAS = {"adam": (0.9, 0.999), "adamw": (0.9, 0.95), "lion": (0.9, 0.99), "sophia": (0.96, 0.99)}
DEFAULT_EPS = {"adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8, "adamw": 1e-8, "sophia": 1e-12}
DEFAULT_HESSIAN_INTERVAL = 10
SINGLE_PROCESS_OPTIMIZERS = ("lbfgs", "sophia")
DEFAULT_LBFGS_HISTORY = 10


def lr_at(step: int, *, base_lr: float, warmup_steps: int, total_steps: int, min_lr_ratio: float = 0.1) -> float:
    """The default schedule (warmup + cosine) at optimizer step `step` (0-based)."""
    spec = ScheduleSpec("cosine", warmup_steps, total_steps, min_lr_ratio)
    return base_lr * lr_factor(step, spec)


def _is_norm_or_embedding(module: nn.Module) -> bool:
    return isinstance(module, nn.Embedding | nn.LayerNorm | nn.GroupNorm) or "Norm" in type(module).__name__


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Trainable parameters split into decayed (matmul weights) and not (biases, norms,
    embeddings): decaying a bias or a norm gain only pulls it away from its useful scale, and
    decaying embeddings shrinks rare tokens that receive few gradient updates."""
    no_decay: set[int] = set()
    for module in model.modules():
        if _is_norm_or_embedding(module):  # also RMSNorm variants of HF models
            no_decay.update(id(p) for p in module.parameters(recurse=False))
    decay: list[nn.Parameter] = []
    keep: list[nn.Parameter] = []
    seen: set[int] = set()
    for p in model.parameters():
        if not p.requires_grad or id(p) in seen:
            continue
        seen.add(id(p))  # tied weights appear once
        (keep if id(p) in no_decay or p.ndim < 2 else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": keep, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


def matmul_weights(model: nn.Module) -> list[nn.Parameter]:
    """The trainable weights that L1 and the max-norm constraint act on (the decayed group)."""
    groups = param_groups(model, 1.0)
    return list(groups[0]["params"]) if groups and groups[0]["weight_decay"] else []


def _fused_ok(groups: list[dict]) -> bool:
    """Whether torch's fused Adam/AdamW kernel takes these parameters: floating point, on a CPU
    or a CUDA device. One kernel per step instead of a dozen small ops per tensor: on a CPU the
    update of an 11M-parameter model takes a quarter of the per-tensor loop's time."""
    params = [p for g in groups for p in g["params"]]
    return bool(params) and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)


def build_optimizer(
    model: nn.Module,
    *,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.95),
    options: OptimizerArguments | None = None,
) -> torch.optim.Optimizer:
    """The optimizer `options.optimizer` names (AdamW with `betas` when options is None)."""
    if options is None:
        groups = param_groups(model, weight_decay)
        return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=1e-8, fused=_fused_ok(groups))
    kind = options.optimizer
    groups = param_groups(model, weight_decay)
    b = DEFAULT_BETAS.get(kind, (0.9, 0.999))
    betas = (b[0] if options.beta1 is None else options.beta1, b[1] if options.beta2 is None else options.beta2)
    eps = options.eps if options.eps is not None else DEFAULT_EPS.get(kind, 1e-8)
    momentum = options.momentum or 0.0
    match kind:
        case "sgd":
            return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=options.nesterov)
        case "adagrad":
            return torch.optim.Adagrad(groups, lr=lr, eps=eps)
        case "rmsprop":
            return torch.optim.RMSprop(groups, lr=lr, eps=eps, momentum=momentum)
        case "adam":
            return torch.optim.Adam(groups, lr=lr, betas=betas, eps=eps, fused=_fused_ok(groups))
        case "adamw":
            return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps, fused=_fused_ok(groups))
        case "adafactor":
            from pytorch_optimizer import AdaFactor

            # A fixed, scheduled lr (not Adafactor's relative step), so schedules apply to it too.
            return AdaFactor(groups, lr=lr, relative_step=False, scale_parameter=False, warmup_init=False)
        case "lion":
            from pytorch_optimizer import Lion

            return Lion(groups, lr=lr, betas=betas)
        case "lbfgs":
            # One group (L-BFGS keeps one flat history); a strong-Wolfe line search makes the
            # step length robust to the scale of lr.
            params = [p for g in groups for p in g["params"]]
            return torch.optim.LBFGS(
                params,
                lr=lr,
                history_size=options.lbfgs_history_size or DEFAULT_LBFGS_HISTORY,
                line_search_fn="strong_wolfe",
            )
        case "sophia":
            from pytorch_optimizer import SophiaH

            # p=1: the update is lr * clip(m / h, 1) per coordinate, i.e. a damped Newton step
            # capped at lr, so learning_rate keeps its meaning of "largest step".
            return SophiaH(
                groups,
                lr=lr,
                betas=betas,
                eps=eps,
                p=1.0,
                hessian_distribution="rademacher",  # z*z = 1: a lower-variance diagonal estimate
                update_period=options.hessian_update_interval or DEFAULT_HESSIAN_INTERVAL,
            )
    raise ValueError(f"unknown optimizer {kind!r}")


def uses_closure(optimizer: torch.optim.Optimizer) -> bool:
    """L-BFGS re-evaluates the loss during its step (line search) from a closure."""
    return isinstance(optimizer, torch.optim.LBFGS)


def needs_hessian_graph(optimizer: torch.optim.Optimizer) -> bool:
    """Whether the next step estimates the Hessian (SophiaH's Hutchinson products), so the
    backward pass must keep its graph (create_graph=True)."""
    period = getattr(optimizer, "update_period", None)
    if period is None or type(optimizer).__name__ != "SophiaH":
        return False
    return optimizer.param_groups[0].get("step", 0) % period == 0


@contextlib.contextmanager
def hessian_graph() -> Iterator[None]:
    """Where a backward pass keeps its graph for a Hessian-vector product: attention through
    the math kernel (the fused CPU/GPU kernels have no second derivative). The reference
    cycle torch warns about is broken when the step sets the gradients to None."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(SDPBackend.MATH), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
        yield


def build_scheduler(
    optimizer: torch.optim.Optimizer,
    *,
    warmup_steps: int,
    total_steps: int,
    min_lr_ratio: float = 0.1,
    options: ScheduleArguments | None = None,
) -> Schedule:
    """The schedule `options.lr_schedule` names (warmup + cosine when options is None)."""
    if options is None:
        return Schedule(optimizer, ScheduleSpec("cosine", warmup_steps, total_steps, min_lr_ratio))
    spec = ScheduleSpec(
        kind=options.lr_schedule,
        warmup_steps=warmup_steps,
        total_steps=total_steps,
        min_lr_ratio=options.min_lr_ratio,
        restart_period=options.restart_period,
        restart_mult=options.restart_mult,
        step_size=options.lr_step_size,
        gamma=options.lr_gamma,
        pct_start=options.pct_start,
    )
    return Schedule(optimizer, spec, plateau_patience=options.plateau_patience, plateau_factor=options.plateau_factor)


# -- regularizers on the weights and gradients --------------------------------------------------


def grad_noise_std(scale: float, step: int) -> float:
    """Annealed gradient noise (Neelakantan et al., 2015): std = scale / (1 + t)^0.55."""
    return scale / (1 + step) ** 0.55


def _is_dtensor(t: torch.Tensor) -> bool:
    """Whether t is an FSDP DTensor. One exists only once torch.distributed.tensor is imported
    (by FSDP jobs); importing it here would cost every job's worker ~2 s of start-up."""
    module = sys.modules.get("torch.distributed.tensor")
    return module is not None and isinstance(t, module.DTensor)


@torch.no_grad()
def add_grad_noise(params: list[nn.Parameter], std: float, seed: int = 0) -> None:
    generators: dict[torch.device, torch.Generator] = {}
    for p in params:
        if p.grad is not None:
            g = generators.setdefault(p.device, torch.Generator(device=p.device).manual_seed(seed))
            noise = torch.randn(p.grad.shape, generator=g, device=p.device, dtype=p.grad.dtype)
            if _is_dtensor(p.grad):
                from torch.distributed.tensor import distribute_tensor

                # An FSDP gradient shard: every rank draws the whole (same-seeded) noise and keeps
                # its slice, so the update is the one DDP would make.
                noise = distribute_tensor(noise, p.grad.device_mesh, p.grad.placements, src_data_rank=None)
            p.grad.add_(noise, alpha=std)


@torch.no_grad()
def l1_prox(params: list[nn.Parameter], threshold: float) -> None:
    """The proximal step of threshold * |w|: soft-thresholding, which (unlike a subgradient
    of the penalty) sets small weights to exactly zero."""
    for p in params:
        p.copy_(torch.sign(p) * (p.abs() - threshold).clamp_min(0.0))


@torch.no_grad()
def max_norm(params: list[nn.Parameter], limit: float) -> None:
    """Max-norm constraint: each weight row (a unit's incoming weights) is scaled back to an
    L2 norm of at most `limit`."""
    for p in params:
        # FSDP shards a weight by rows (dim 0), so each rank's shard holds whole rows: the
        # per-row renorm runs on the local rows (DTensor has no sharded renorm).
        local = p.to_local() if _is_dtensor(p) else p  # type: ignore[attr-defined]
        local.copy_(torch.renorm(local, 2, 0, limit))


def apply_spectral_norm(model: nn.Module) -> int:
    """Spectral normalisation on every trainable nn.Linear (not one whose weight is tied to an
    embedding: that would untie it). Returns how many layers it parametrized."""
    from torch.nn.utils.parametrizations import spectral_norm

    tied = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    layers = [
        m for m in model.modules() if isinstance(m, nn.Linear) and m.weight.requires_grad and id(m.weight) not in tied
    ]
    for layer in layers:
        spectral_norm(layer)
    return len(layers)


def remove_spectral_norm(model: nn.Module) -> None:
    """Bake the normalised weights in (plain Linear layers again), e.g. before saving."""
    from torch.nn.utils import parametrize

    for module in model.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)


def describe(cfg: Any) -> str:
    """One line naming the optimizer, schedule and regularizers a config chose (for the events)."""
    parts = [f"optimizer {cfg.optimizer}"]
    opt_settings = {
        "momentum": cfg.momentum,
        "nesterov": cfg.nesterov or None,
        "beta1": cfg.beta1,
        "beta2": cfg.beta2,
        "eps": cfg.eps,
        "hessian_update_interval": cfg.hessian_update_interval,
        "lbfgs_history_size": cfg.lbfgs_history_size,
    }
    set_ = [f"{k}={v}" for k, v in opt_settings.items() if v is not None]
    parts[0] += f" ({', '.join(set_)})" if set_ else ""
    parts.append(f"lr {cfg.learning_rate:g}, schedule {cfg.lr_schedule}, warmup {cfg.warmup_steps}")
    if isinstance(cfg, RegularizationArguments):
        regs = {
            "weight_decay": getattr(cfg, "weight_decay", 0.0) or None,
            "l1_penalty": cfg.l1_penalty or None,
            "grad_noise": cfg.grad_noise or None,
            "max_weight_norm": cfg.max_weight_norm,
            "spectral_norm": 1.0 if cfg.spectral_norm else None,
            **cfg.dropout(),
            "label_smoothing": getattr(cfg, "token_label_smoothing", 0.0) or None,
        }
        chosen = [f"{k}={v:g}" for k, v in regs.items() if v is not None]
        parts.append(f"regularization {', '.join(chosen) if chosen else 'none'}")
    return "; ".join(parts)
