"""Learning-rate schedules: a pure factor of the step (lr = peak * factor), and the scheduler
that applies it, with reduce-on-plateau's validation-driven cut on top.

Every schedule starts with the same linear warmup (step 0 already gets 1/warmup, never zero),
except one_cycle, whose cosine rise from peak/25 over pct_start of the run is its warmup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import torch

ONE_CYCLE_START = 1 / 25  # one_cycle starts at peak/25, as in Smith & Topin (2017)


@dataclass(frozen=True)
class ScheduleSpec:
    kind: str = "cosine"
    warmup_steps: int = 0
    total_steps: int = 1
    min_lr_ratio: float = 0.1
    restart_period: int | None = None
    restart_mult: float = 1.0
    step_size: int | None = None
    gamma: float | None = None
    pct_start: float = 0.3


def _cosine(progress: float, floor: float) -> float:
    """1 at progress 0 down to `floor` at progress 1."""
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _restart_position(t: int, period: int, mult: float) -> float:
    """Progress in [0, 1) within the current cycle of cosine with restarts (cycles of period,
    period * mult, period * mult^2, ... steps)."""
    pos, length = float(t), float(period)
    while pos >= length:
        pos -= length
        length *= mult
    return pos / length


def lr_factor(step: int, spec: ScheduleSpec) -> float:
    """The multiplier of the peak learning rate at optimizer step `step` (0-based)."""
    total, warmup, floor = spec.total_steps, spec.warmup_steps, spec.min_lr_ratio
    if spec.kind == "one_cycle":
        rise = max(1, round(spec.pct_start * total))
        if step < rise:
            return ONE_CYCLE_START + (1 - ONE_CYCLE_START) * 0.5 * (1 - math.cos(math.pi * step / rise))
        fall = total - rise - 1
        return _cosine((step - rise) / fall, floor) if fall > 0 else 1.0
    if step < warmup:
        return (step + 1) / warmup
    t = step - warmup  # steps since the peak
    decay_steps = total - warmup - 1
    progress = min(1.0, t / decay_steps) if decay_steps > 0 else 0.0
    match spec.kind:
        case "constant" | "reduce_on_plateau":
            return 1.0
        case "linear":
            return 1.0 - (1.0 - floor) * progress
        case "cosine":
            return _cosine(progress, floor)
        case "cosine_restarts":
            period = spec.restart_period or max(1, (total - warmup) // 4)
            return _cosine(_restart_position(t, period, spec.restart_mult), floor)
        case "step":
            size = spec.step_size or max(1, (total - warmup) // 3)
            return (0.1 if spec.gamma is None else spec.gamma) ** (t // size)
        case "exponential":
            return (0.99 if spec.gamma is None else spec.gamma) ** t
        case "inverse_sqrt":
            w = max(warmup, 1)
            return math.sqrt(w / (w + t))
    raise ValueError(f"unknown lr schedule {spec.kind!r}")


class Schedule(torch.optim.lr_scheduler.LambdaLR):
    """LambdaLR over lr_factor, times a plateau scale that `observe` cuts by `plateau_factor`
    after `plateau_patience` validations without improvement (reduce_on_plateau only).

    Its state (the step, the scale, the best loss) is plain numbers, so it checkpoints with the
    optimizer and resumes where it was.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        spec: ScheduleSpec,
        *,
        plateau_patience: int = 2,
        plateau_factor: float = 0.5,
        plateau_threshold: float = 1e-4,
    ):
        self.on_plateau = spec.kind == "reduce_on_plateau"
        self.patience, self.factor, self.threshold = plateau_patience, plateau_factor, plateau_threshold
        self.scale = 1.0
        self.best: float | None = None
        self.bad = 0
        factor = partial(lr_factor, spec=spec)
        super().__init__(optimizer, lambda step: factor(step) * self.scale)

    def observe(self, val_loss: float) -> bool:
        """Feed one validation loss; True when it cut the learning rate."""
        if not self.on_plateau:
            return False
        if self.best is None or val_loss < self.best - self.threshold * abs(self.best):
            self.best, self.bad = val_loss, 0
            return False
        self.bad += 1
        if self.bad < self.patience:
            return False
        self.scale *= self.factor
        self.bad = 0
        # The next step already has its lr (step() ran after the last update): cut it too, so
        # the cut applies from the step right after the validation.
        for group in self.optimizer.param_groups:
            group["lr"] *= self.factor
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        return True
