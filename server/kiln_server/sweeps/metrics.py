"""Which metrics a trial can be judged on: what each job method reports, and the cost metrics
the sweep measures itself. An objective naming anything else could never be read, so CreateSweep
rejects it rather than failing every trial later.

Names follow the trainers (kiln_trainer/training/trainer.py): the loop reports "loss" and the
method's own metrics at every log step and "val_<name>" at every validation pass; the result
adds "train_<name>", "best_val_loss" and "steps".
"""

from __future__ import annotations

# Cost metrics every trial has: its job's run time and its model's parameter count.
WALL_TIME = "wall_time_s"
PARAMETER_COUNT = "parameter_count"
COST_METRICS = frozenset({WALL_TIME, PARAMETER_COUNT})

_OWN = {
    "sft": ("loss",),
    "distill": ("loss",),
    "reward_model": ("loss", "accuracy", "reward_margin", "chosen_reward", "rejected_reward"),
    "dpo": ("loss", "reward_accuracy", "reward_margin", "chosen_reward", "rejected_reward"),
    # Image methods (kiln_trainer/algorithms/vae, diffusion): val_loss is the VAE's negative ELBO.
    "vae": ("loss", "elbo", "recon", "kl"),
    "diffusion": ("loss",),
    # DARTS (kiln_trainer/algorithms/darts): the retrained classifier's loss and accuracy.
    "darts": ("loss", "accuracy"),
}
# decode_ms_per_token: SFT of kiln-gpt models only (kiln_trainer/models/latency.py), measured
# when the sweep's objectives name it (sweeps/trials.py); a trial on another model lacks it and
# fails as a trial missing its objective does.
DECODE_LATENCY = "decode_ms_per_token"
_EXTRA = {
    "sft": ("tokens", DECODE_LATENCY),
    "ppo": ("mean_reward", "kl", "entropy", "wall_s"),
    # test_*: on a built-in dataset's held-out split only (else val_*, already listed).
    "darts": ("search_train_loss", "search_val_loss", "arch_entropy", "test_accuracy", "test_loss", "cell_edges"),
}


def step_metrics(method: str) -> frozenset[str]:
    """Metrics reported while the job runs (at log or validation steps): what a pruner reads."""
    own = _OWN.get(method, ())
    return frozenset([*own, *(f"val_{m}" for m in own)])


def final_metrics(method: str) -> frozenset[str]:
    """Metrics a SUCCEEDED job of `method` has in its latest metrics, plus the cost metrics."""
    own = _OWN.get(method, ())
    names = {*own, *(f"val_{m}" for m in own), *(f"train_{m}" for m in own), "steps", *_EXTRA.get(method, ())}
    if own:
        names.add("best_val_loss")
    return frozenset(names) | COST_METRICS
