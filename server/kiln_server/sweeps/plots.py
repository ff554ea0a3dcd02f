"""A finished sweep's plots: the first objective by trial number (with the best so far), and for
several objectives the trials in the plane of the first two with the Pareto front highlighted.

Drawn with a Figure and the Agg canvas directly, like the trainers' loss curves: no pyplot
global state in the long-lived gateway process.
"""

from __future__ import annotations

from pathlib import Path

from kiln_server.sweeps.record import TrialRecord
from kiln_server.sweeps.spec import Objective


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_objective(trials: list[TrialRecord], objective: Objective, path: Path) -> Path:
    done = sorted((t for t in trials if t.values), key=lambda t: t.number)
    fig = _figure()
    ax = fig.add_subplot()
    xs, ys = [t.number for t in done], [t.values[0] for t in done]
    ax.scatter(xs, ys, color="tab:blue", label=objective.metric, zorder=3)
    best, running = [], None
    for y in ys:
        running = y if running is None else (min(running, y) if objective.minimize else max(running, y))
        best.append(running)
    ax.step(xs, best, where="post", color="tab:orange", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"{objective.metric} ({'lower' if objective.minimize else 'higher'} is better)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_pareto(trials: list[TrialRecord], objectives: list[Objective], front: list[int], path: Path) -> Path:
    done = [t for t in trials if len(t.values) >= 2]
    on_front = [t for t in done if t.number in front]
    fig = _figure()
    ax = fig.add_subplot()
    ax.scatter([t.values[0] for t in done], [t.values[1] for t in done], color="tab:gray", label="trials")
    on_front.sort(key=lambda t: t.values[0])
    ax.plot(
        [t.values[0] for t in on_front],
        [t.values[1] for t in on_front],
        color="tab:red",
        marker="o",
        label="Pareto front",
    )
    ax.set_xlabel(objectives[0].metric)
    ax.set_ylabel(objectives[1].metric)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return path
