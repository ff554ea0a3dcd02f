"""PPO's training curves as one PNG: reward and KL on top, policy and value losses below."""

from __future__ import annotations

from pathlib import Path


def plot_ppo_curves(history: dict[str, list[list[float]]], path: Path, title: str) -> Path:
    """`history` maps mean_reward, kl, policy_loss, value_loss to [step, value] pairs."""
    # As in kiln_trainer/training/plots.py: a Figure on the Agg canvas, no pyplot global state on workers.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 6.5), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)

    def line(ax, key: str, label: str, color: str) -> None:
        points = history.get(key) or []
        if points:
            ax.plot(*zip(*points, strict=True), label=label, color=color)

    line(top, "mean_reward", "mean reward", "tab:green")
    top.set_ylabel("reward")
    kl_ax = top.twinx()  # KL has its own scale: nats per completion
    line(kl_ax, "kl", "KL(policy || reference)", "tab:purple")
    kl_ax.set_ylabel("KL (nats)")
    line(bottom, "policy_loss", "policy loss", "tab:blue")
    line(bottom, "value_loss", "value loss", "tab:orange")
    bottom.set_xlabel("PPO step")
    bottom.set_ylabel("loss")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    handles = top.get_legend_handles_labels()
    kl_handles = kl_ax.get_legend_handles_labels()
    if handles[0] or kl_handles[0]:
        top.legend(handles[0] + kl_handles[0], handles[1] + kl_handles[1], loc="best")
    if bottom.get_legend_handles_labels()[0]:
        bottom.legend(loc="best")
    top.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    return path
