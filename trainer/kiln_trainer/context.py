"""The narrow interface an algorithm uses to talk to the outside world while it trains.

On a Ray worker the gateway supplies a Redis-backed implementation (server/kiln_server/jobs/context.py);
tests and benchmarks use `LocalContext`, which keeps everything in memory and on local disk.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

log = logging.getLogger("kiln.trainer")


class TrainContext(Protocol):
    job_id: str
    work_dir: Path  # local scratch directory owned by this attempt

    def report_metrics(self, step: int, metrics: dict[str, float], total_steps: int | None = None) -> None:
        """Record per-step metrics (loss, lr, tokens_per_s, val_loss, ...)."""

    def log(self, message: str, level: str = "info") -> None:
        """A human-readable log line for the job's event stream."""

    def should_stop(self) -> bool:
        """True once the job was cancelled; algorithms check it between optimizer steps."""

    def save_checkpoint(self, step: int, state_dir: Path) -> None:
        """Persist a directory of checkpoint files for `step` (copied: state_dir may be reused)."""

    def latest_checkpoint(self) -> Path | None:
        """A local directory holding the newest checkpoint of an earlier attempt, or None."""

    def save_artifact(self, name: str, local_path: Path) -> str:
        """Keep a file (e.g. loss_curve.png) with the job's artifacts; returns its URI."""


@dataclass
class TrainResult:
    model_dir: Path  # local directory with config.json, weights and tokenizer, loadable as-is
    family: str = "causal_lm"
    metrics: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)  # name -> URI (loss curve, ...)


@dataclass
class LocalContext:
    """An in-process context for tests and benchmarks: metrics in lists, checkpoints on disk."""

    work_dir: Path
    job_id: str = "local"
    stop_after_step: int | None = None  # simulate a cancel once this step was reported
    metrics: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    checkpoints: dict[int, Path] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work_dir = Path(self.work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def report_metrics(self, step: int, metrics: dict[str, float], total_steps: int | None = None) -> None:
        self.metrics.append((step, dict(metrics)))

    def log(self, message: str, level: str = "info") -> None:
        self.logs.append(message)
        log.log(logging.getLevelName(level.upper()), message)

    def should_stop(self) -> bool:
        last = self.metrics[-1][0] if self.metrics else 0
        return self.stop_after_step is not None and last >= self.stop_after_step

    def save_checkpoint(self, step: int, state_dir: Path) -> None:
        dest = self.work_dir / "_checkpoints" / f"step-{step:08d}"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(state_dir, dest)
        self.checkpoints[step] = dest

    def latest_checkpoint(self) -> Path | None:
        return self.checkpoints[max(self.checkpoints)] if self.checkpoints else None

    def save_artifact(self, name: str, local_path: Path) -> str:
        dest = self.work_dir / "_artifacts" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local_path, dest)
        self.artifacts[name] = dest
        return dest.as_uri()
