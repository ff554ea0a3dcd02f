"""Training plots, drawn off-screen (no display on workers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def plot_loss_curve(
    train: Sequence[Sequence[float]],
    val: Sequence[Sequence[float]],
    path: Path,
    title: str,
) -> Path:
    """Train and validation loss against optimizer step, written as a PNG."""
    # Figure + the Agg canvas directly, rather than pyplot: no global backend switch, no
    # figure registry to leak figures across calls in a long-lived worker.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss", color="tab:blue")
    if val:
        ax.plot(*zip(*val, strict=True), label="val loss", color="tab:orange", marker="o", markersize=3)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("cross-entropy loss (nats/token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if train or val:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return path
