"""One PPO iteration, driven through the roles' call interface (local objects or Ray actors).

rollout -> rewards -> old log-probs, reference log-probs, values -> per-token rewards (the KL
penalty on every token, the sequence reward on the last) -> GAE -> clipped policy and value
steps over minibatch epochs, stopping early past the target KL -> adapt the KL coefficient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch

from kiln_trainer.algorithms.ppo.experience import RolloutBatch
from kiln_trainer.losses import KLController, gae, kl_penalty, masked_mean, masked_var, masked_whiten


@dataclass(frozen=True)
class LoopOptions:
    kl_coef: float = 0.05
    kl_estimator: str = "k1"
    adaptive_kl_target: float | None = None  # None: a fixed coefficient
    adaptive_kl_horizon: int = 10000
    target_kl: float | None = None
    gamma: float = 1.0
    lam: float = 0.95
    whiten_advantages: bool = True
    ppo_epochs: int = 4
    minibatch_size: int = 8


def token_rewards(scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, kl_coef: float) -> torch.Tensor:
    """(B,) sequence scores, (B, L) per-token KL estimates and mask -> (B, L) rewards:
    -kl_coef * KL on every completion token, plus the score on each row's last one."""
    rewards = -kl_coef * kl * mask
    last = (mask.sum(1).long() - 1).clamp(min=0)  # (B,) completions are right-padded
    rewards[torch.arange(len(scores)), last] += scores.to(rewards.dtype)
    return rewards


def lr_factor(schedule: str, step: int, total_steps: int) -> float:
    """Learning-rate factor for iteration `step` (0-based): 1 throughout for "constant"; for
    "linear", from 1 down to 1/total_steps at the last iteration. Annealing lets PPO settle on
    its fixed point instead of jittering around it at the full step size."""
    if schedule == "constant":
        return 1.0
    if schedule == "linear":
        return 1.0 - step / total_steps
    raise ValueError(f"unknown learning-rate schedule {schedule!r}; expected constant or linear")


def explained_variance(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> float:
    """1 - Var(returns - values) / Var(returns) over the masked tokens: 1 for a perfect critic,
    0 for one no better than a constant, negative for worse."""
    var = masked_var(returns, mask)
    if float(var) < 1e-12:
        return 0.0
    return float(1.0 - masked_var(returns - values, mask) / var)


@dataclass
class Experience:
    """What one rollout batch teaches, all (B, L) and aligned with its completion tokens."""

    logprobs: torch.Tensor  # the sampling policy's log-probs of its tokens
    entropy: torch.Tensor  # the sampling policy's entropy at each token
    values: torch.Tensor  # the critic's values before each token
    kl: torch.Tensor  # per-token KL(policy || reference) estimate
    advantages: torch.Tensor  # GAE, whitened if asked
    returns: torch.Tensor  # the critic's targets
    mask: torch.Tensor  # float, 1 = completion token


class PPOLoop:
    """PPO's iteration. The group methods (algorithms/group) subclass it, replacing the hooks
    `trained_roles`, `_usable`, `_experience`, `_train_calls` and `_summary`: the rollout,
    scoring, minibatch epochs, early stop and KL bookkeeping stay here, once."""

    trained_roles: tuple[str, ...] = ("policy", "value")  # the roles whose learning rates the schedule scales

    def __init__(self, roles: Any, opts: LoopOptions, seed: int = 0):
        self.roles = roles
        self.opts = opts
        self.kl_ctl = KLController(opts.kl_coef, opts.adaptive_kl_target, opts.adaptive_kl_horizon)
        self.generator = torch.Generator().manual_seed(seed)

    def state(self) -> dict[str, Any]:
        return {"kl_coef": self.kl_ctl.value, "generator": self.generator.get_state()}

    def load_state(self, state: dict[str, Any]) -> None:
        self.kl_ctl.value = float(state["kl_coef"])
        self.generator.set_state(state["generator"])

    def iteration(
        self,
        prompts: list[list[int]],
        sample_ids: list[str],
        seed: int,
        prompt_texts: list[str] | None = None,
        lr_scale: float = 1.0,
    ) -> dict[str, float]:
        """Roll out one completion per prompt and update policy and critic on them, with both
        learning rates multiplied by `lr_scale` (a schedule's factor for this iteration)."""
        R = self.roles
        for role in self.trained_roles:
            R.get(R.call(role, "set_lr_scale", lr_scale))
        t0 = time.perf_counter()
        batch = R.get(R.call("policy", "rollout", prompts, sample_ids, seed, prompt_texts))
        t1 = time.perf_counter()
        generated = int(batch.completion_mask.sum())
        scores = R.get(R.call("reward", "score", batch.samples))
        t2 = time.perf_counter()
        rated = self._usable(scores)
        stats: dict[str, float] = {
            "generation_s": t1 - t0,
            "reward_s": t2 - t1,
            "samples": float(len(prompts)),
            "rated": float(len(rated)),
            "rollout_tokens": float(generated),
            "rollout_tokens_per_s": generated / max(t1 - t0, 1e-9),
            "kl_coef": self.kl_ctl.value,
            "lr_scale": lr_scale,
        }
        if len(rated) < len(scores):
            if not rated:  # nothing to learn from (e.g. no rating arrived in time)
                stats["training_s"] = 0.0
                return stats
            batch = batch.select(rated)
            scores = [scores[i] for i in rated]
        score_t = torch.tensor(scores, dtype=torch.float32)
        exp = self._experience(batch, score_t)
        sums, n_steps, stopped_early = self._update(batch, exp)
        t3 = time.perf_counter()

        seq_kl = exp.kl.sum(1)  # (B,) KL estimate of each whole completion
        self.kl_ctl.update(float(seq_kl.mean()), batch.size)
        stats.update({k: x / n_steps for k, x in sums.items()})
        stats.update(
            {
                "mean_reward": float(score_t.mean()),
                "kl": float(seq_kl.mean()),
                "entropy": float(masked_mean(exp.entropy, exp.mask)),
                **self._summary(exp),
                "mean_completion_len": float(exp.mask.sum(1).mean()),
                "ppo_updates": float(n_steps),
                "early_stopped": float(stopped_early),
                "training_s": t3 - t2,
            }
        )
        return stats

    def _usable(self, scores: list[float | None]) -> list[int]:
        """Indices of the samples the update learns from: here, every rated one."""
        return [i for i, s in enumerate(scores) if s is not None]

    def _summary(self, exp: Experience) -> dict[str, float]:
        return {"explained_variance": explained_variance(exp.values, exp.returns, exp.mask)}

    def _train_calls(self, mb: RolloutBatch, exp: Experience, idx: torch.Tensor) -> list[Any]:
        """One minibatch step of each trained role, started together (pending calls)."""
        R = self.roles
        return [
            R.call("policy", "train_step", mb, exp.logprobs[idx], exp.advantages[idx]),
            R.call("value", "train_step", mb, exp.values[idx], exp.returns[idx]),
        ]

    def _experience(self, batch: RolloutBatch, scores: torch.Tensor) -> Experience:
        R, o = self.roles, self.opts
        # The three forward passes are independent: with actors they run concurrently.
        pending = (
            R.call("policy", "logprobs", batch),
            R.call("reference", "logprobs", batch),
            R.call("value", "values", batch),
        )
        (logps, entropy), ref_logps, values = (R.get(p) for p in pending)
        mask = batch.completion_mask.to(torch.float32)
        kl = kl_penalty(logps, ref_logps, o.kl_estimator) * mask
        rewards = token_rewards(scores, kl, mask, self.kl_ctl.value)
        advantages, returns = gae(rewards, values, mask, o.gamma, o.lam)
        if o.whiten_advantages and batch.size > 1:
            advantages = masked_whiten(advantages, mask)
        return Experience(logps, entropy, values, kl, advantages, returns, mask)

    def _update(self, batch: RolloutBatch, exp: Experience) -> tuple[dict[str, float], int, bool]:
        """Minibatch epochs over the batch; returns summed step stats, the step count and
        whether the target KL stopped them early."""
        R, o = self.roles, self.opts
        sums: dict[str, float] = {}
        n_steps = 0
        for _ in range(o.ppo_epochs):
            order = torch.randperm(batch.size, generator=self.generator)
            for start in range(0, batch.size, o.minibatch_size):
                idx = order[start : start + o.minibatch_size]
                mb = batch.select(idx)
                step_stats: dict[str, float] = {}
                for pending in self._train_calls(mb, exp, idx):
                    step_stats.update(R.get(pending))
                for k, x in step_stats.items():
                    sums[k] = sums.get(k, 0.0) + x
                n_steps += 1
                # approx_kl was measured before this step's update: the policy has already
                # drifted that far from the one that sampled the batch.
                if o.target_kl is not None and step_stats["approx_kl"] > 1.5 * o.target_kl:
                    return sums, n_steps, True
        return sums, n_steps, False
