"""The step loop under every trainer: seeding, cancellation, the report and checkpoint cadence,
checkpoint staging and resume, and the run's lifecycle.

A subclass says what one step is (`train_step`) and what a checkpoint holds; `Trainer`
(training/trainer.py) fills both in for gradient steps on batches, and PPO for its rollout
iterations. One instance is one attempt of one job: setup, resume, steps, finish.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import torch

from kiln_trainer.context import TrainContext, TrainResult
from kiln_trainer.errors import TrainingCancelled
from kiln_trainer.training.checkpoint import STATE_FILE
from kiln_trainer.training.distributed import any_rank, dist_info, pick_device


class LoopConfig(Protocol):
    log_every: int  # steps between metric reports
    checkpoint_every: int  # steps between checkpoints
    seed: int

    def to_dict(self) -> dict[str, Any]: ...


C = TypeVar("C", bound=LoopConfig)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class StepLoop(Generic[C]):
    title = "training"  # names the method in log lines and plots, e.g. "SFT"
    step_name = "step"  # what one step is called in log lines
    family = "causal_lm"  # the TrainResult family of what the method saves

    def __init__(self, config: C, ctx: TrainContext):
        self.cfg = config
        self.ctx = ctx
        self.dist = dist_info()
        self.device = pick_device(self.dist)
        self.step = 0  # steps completed
        self.history: dict[str, list[list[float]]] = {}  # curve name -> [step, value] points

    # -- hooks -------------------------------------------------------------------------------------

    @property
    def total_steps(self) -> int:
        raise NotImplementedError

    def setup(self) -> None:
        """Load models and data: everything the steps need."""
        raise NotImplementedError

    def start(self) -> None:
        """After resuming, before the first step."""

    def train_step(self) -> None:
        """Run step number `self.step` (0-based); the loop counts it afterwards."""
        raise NotImplementedError

    def report(self) -> None:
        """Report what happened since the last report (every log_every steps and after the last)."""

    def after_step(self, last: bool) -> bool:
        """Work after a step's report, before its checkpoint (e.g. validation); True ends the run early."""
        return False

    def end_early(self) -> None:
        """The run stops before total_steps because after_step said so."""

    def write_checkpoint(self, staging: Path) -> None:
        """Write this method's checkpoint files into `staging` (state.json is the loop's)."""

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state for state.json beyond the step, the history and the config."""
        return {}

    def read_checkpoint(self, path: Path, state: dict[str, Any]) -> None:
        """Restore from a checkpoint directory that write_checkpoint and state_dict produced."""

    def resumed(self, state: dict[str, Any]) -> str:
        """Words added to the "resumed from checkpoint" log line."""
        return ""

    def finish(self) -> TrainResult:
        """Save the result and return it."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what setup started (actors, engines), also after a failure."""

    # -- mechanics ---------------------------------------------------------------------------------

    def log(self, message: str, level: str = "info") -> None:
        if self.dist.is_main:  # one copy of each line, not one per rank
            self.ctx.log(message, level)

    def report_metrics(self, metrics: dict[str, float]) -> None:
        if self.dist.is_main:
            self.ctx.report_metrics(self.step, metrics, self.total_steps)

    def checkpoint(self) -> None:
        if not self.dist.is_main:
            return
        staging = self.ctx.work_dir / "_checkpoint_staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        self.write_checkpoint(staging)
        state = {"step": self.step, "history": self.history, **self.state_dict(), "config": self.cfg.to_dict()}
        (staging / STATE_FILE).write_text(json.dumps(state, indent=1))
        self.ctx.save_checkpoint(self.step, staging)

    def resume(self) -> None:
        latest = self.ctx.latest_checkpoint()
        if latest is not None:
            path = Path(latest)
            state = json.loads((path / STATE_FILE).read_text())
            self.read_checkpoint(path, state)
            self.step, self.history = state["step"], state["history"]
            self.log(f"resumed from checkpoint at {self.step_name} {self.step}{self.resumed(state)}")
        if self.dist.enabled:  # every rank must pick up the same checkpoint
            t = torch.tensor([self.step, -self.step], device=self.device)
            torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
            if int(t[0]) != -int(t[1]):
                raise RuntimeError(f"ranks resumed from different steps ({-int(t[1])}..{int(t[0])})")

    def loop(self) -> None:
        cfg = self.cfg
        while self.step < self.total_steps:
            if any_rank(self.ctx.should_stop(), self.dist, self.device):
                self.log(f"cancelled after {self.step_name} {self.step}", "warning")
                raise TrainingCancelled(self.step)
            self.train_step()
            self.step += 1
            last = self.step == self.total_steps
            if self.step % cfg.log_every == 0 or last:
                self.report()
            stop = self.after_step(last)
            if self.step % cfg.checkpoint_every == 0 and not last:
                self.checkpoint()
            if stop:
                self.end_early()
                break

    def run(self) -> TrainResult:
        seed_everything(self.cfg.seed + self.dist.rank)  # per-rank dropout streams
        try:
            self.setup()
            self.resume()
            self.start()
            self.started = time.perf_counter()
            self.loop()
            return self.finish()
        finally:
            self.close()
