"""The PPO trainer: prompts, roles, iterations, checkpoints, on the step loop of every trainer.

One iteration (loop.py) is one step: roll out, score, update policy and critic. The trainer
reads and tokenises the prompts, starts the four roles (in-process, or as Ray actors), resumes
from the newest checkpoint, and saves the policy as a model directory.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from kiln_trainer.algorithms.lm import read_records
from kiln_trainer.algorithms.ppo.loop import LoopOptions, PPOLoop, lr_factor
from kiln_trainer.algorithms.ppo.roles import LocalRoles, RewardRole
from kiln_trainer.algorithms.ppo.specs import BUILDERS, ROLE_NAMES, RoleSpecs, role_specs
from kiln_trainer.configs.ppo import PPOConfig
from kiln_trainer.context import TrainContext, TrainResult
from kiln_trainer.errors import ConfigError
from kiln_trainer.training.checkpoint import capture_rng, restore_rng
from kiln_trainer.training.loop import StepLoop

HISTORY_KEYS = ("mean_reward", "kl", "policy_loss", "value_loss", "entropy")
MODEL_ROLES = ("policy", "value")  # the roles that train: their weights are checkpointed


def prompt_order(n_prompts: int, batch_size: int, step: int, seed: int) -> list[int]:
    """Prompt indices of iteration `step`: consecutive slices of seeded per-epoch permutations,
    so an iteration's prompts depend only on (step, seed), which makes resuming exact."""
    out: list[int] = []
    pos = step * batch_size
    while len(out) < batch_size:
        epoch, offset = divmod(pos, n_prompts)
        perm = torch.randperm(n_prompts, generator=torch.Generator().manual_seed(seed * 7919 + epoch))
        take = min(batch_size - len(out), n_prompts - offset)
        out.extend(perm[offset : offset + take].tolist())
        pos += take
    return out


def use_ray(backend: str) -> bool:
    if backend == "ray":
        return True
    if backend == "local":
        return False
    ray = sys.modules.get("ray")  # "auto": never import Ray just to find out it is not running
    return ray is not None and ray.is_initialized()


class PPOTrainer(StepLoop[PPOConfig]):
    """PPO's trainer; the group methods (algorithms/group) subclass it with fewer roles and
    their own loop (`make_loop`) and prompt batches (`batch_prompts`)."""

    title = "PPO"
    step_name = "PPO step"
    role_names: tuple[str, ...] = ROLE_NAMES  # the roles this method starts
    model_roles: tuple[str, ...] = MODEL_ROLES  # the roles that train: their weights are checkpointed
    history_keys: tuple[str, ...] = HISTORY_KEYS

    def __init__(self, config: PPOConfig, ctx: TrainContext):
        super().__init__(config, ctx)
        self.history: dict[str, list[list[float]]] = {k: [] for k in self.history_keys}
        self.stats: dict[str, float] = {}  # the last iteration's
        self.last: dict[str, float] = {}  # the last iteration's that had rewards to learn from
        self.roles: Any = None  # LocalRoles or RayRoles: the same call interface

    @property
    def total_steps(self) -> int:
        return self.cfg.max_steps

    # -- setup ---------------------------------------------------------------------------------

    def _local_reward(self) -> RewardRole | None:
        """A reward role that lives in this process: human feedback (its collector talks to the
        job's context, which lives here) or the user's reward service (network calls only, and
        its errors then reach the job's failure reason as they are)."""
        cfg = self.cfg
        if cfg.reward_service:
            from kiln_trainer.algorithms.ppo.remote import RemoteReward

            job = f"jobs/{self.ctx.job_id}" if getattr(self.ctx, "job_id", None) else ""
            return RewardRole(
                RemoteReward(cfg.reward_service, cfg.reward_timeout_s, cfg.reward_batch_size, cfg.reward_retries, job)
            )
        if not cfg.human_feedback:
            return None
        from kiln_trainer.algorithms.ppo.rewards import HumanFeedbackReward

        collect = getattr(self.ctx, "collect_feedback", None)
        if collect is None:
            raise ConfigError("human_feedback", "this job's context cannot collect human feedback")
        return RewardRole(HumanFeedbackReward(collect, cfg.feedback_timeout_s))

    def _field(self, role: str) -> str:
        """The config field that names the model a role loads, for error messages."""
        cfg = self.cfg
        return {
            "policy": "base_model",
            "value": "value_model" if cfg.value_model else "base_model",
            "reference": "reference_model" if cfg.reference_model else "base_model",
            "reward": "reward_model"
            if cfg.reward_model
            else "reward_service"
            if cfg.reward_service
            else "scoring_function",
        }[role]

    def _start_roles(self, specs: RoleSpecs) -> None:
        feedback = self._local_reward()
        if use_ray(self.cfg.role_backend):
            from kiln_trainer.algorithms.ppo.actors import start_ray_roles

            self.roles = start_ray_roles(
                specs, self.cfg.gpus, {"reward": feedback} if feedback else None, roles=self.role_names
            )
            where = "as Ray actors"
        else:
            roles: dict[str, Any] = {"reward": feedback} if feedback else {}
            for name in self.role_names:
                if name in roles:
                    continue
                try:
                    roles[name] = BUILDERS[name](specs)
                except ConfigError:
                    self._close_partial(roles)
                    raise
                # Unreadable files, bad config values, weights that do not fit the config.
                except (OSError, ValueError, TypeError, RuntimeError) as e:
                    self._close_partial(roles)
                    raise ConfigError(self._field(name), f"cannot load the {name} model: {e}") from e
            self.roles = LocalRoles(roles)
            where = "in-process"
        value = f", value {specs.value_model}" if "value" in self.role_names else ""
        self.log(
            f"{self.title} roles started {where}: policy {specs.policy_model}, reference "
            f"{specs.reference_model}{value}, reward {self._reward_label()}"
        )

    def _reward_label(self) -> str:
        cfg = self.cfg
        if cfg.reward_service:
            return f"the reward service at {cfg.reward_service}"
        return cfg.reward_model or cfg.scoring_function or "human feedback"

    @staticmethod
    def _close_partial(roles: dict[str, Any]) -> None:
        if "policy" in roles:
            roles["policy"].close()

    def setup(self) -> None:
        cfg = self.cfg
        # A bad prompts file fails before any model is loaded.
        self.prompt_texts = [r["prompt"] for r in read_records(cfg.prompts_path, "prompts_path", "prompts")]
        if not self.prompt_texts:
            raise ConfigError("prompts_path", f"no prompts in {cfg.prompts_path}")
        self._start_roles(role_specs(cfg))
        room = cfg.max_seq_len - cfg.max_new_tokens
        R = self.roles
        self.prompt_ids, truncated = R.get(R.call("policy", "encode_prompts", self.prompt_texts, room))
        if truncated:
            self.log(f"{truncated} of {len(self.prompt_ids)} prompts were cut to their last {room} tokens", "warning")
        self.ppo = self.make_loop()

    def loop_options(self) -> LoopOptions:
        cfg = self.cfg
        return LoopOptions(
            kl_coef=cfg.kl_coef,
            kl_estimator=cfg.kl_estimator,
            adaptive_kl_target=cfg.adaptive_kl_target if cfg.adaptive_kl else None,
            adaptive_kl_horizon=cfg.adaptive_kl_horizon,
            target_kl=cfg.target_kl,
            gamma=cfg.gamma,
            lam=cfg.lam,
            whiten_advantages=cfg.whiten_advantages,
            ppo_epochs=cfg.ppo_epochs,
            minibatch_size=cfg.minibatch_size,
        )

    def make_loop(self) -> PPOLoop:
        return PPOLoop(self.roles, self.loop_options(), seed=self.cfg.seed)

    def batch_prompts(self) -> list[int]:
        """Prompt indices of this iteration's rollouts, one per completion."""
        return prompt_order(len(self.prompt_ids), self.cfg.rollout_batch_size, self.step, self.cfg.seed)

    def close(self) -> None:
        if self.roles is not None:
            self.roles.close()

    # -- steps ---------------------------------------------------------------------------------

    def train_step(self) -> None:
        cfg = self.cfg
        idx = self.batch_prompts()
        # Shaped like the gateway's sample ids ([a-z0-9-]), so people can rate them as samples.
        ids = [f"{self.ctx.job_id}-{self.step}-{i}".lower() for i in range(len(idx))]
        # Sampling seeds depend on (seed, step) only: a resumed attempt redraws the same rollouts.
        self.stats = self.ppo.iteration(
            [self.prompt_ids[i] for i in idx],
            ids,
            seed=cfg.seed * 1_000_003 + self.step,
            prompt_texts=[self.prompt_texts[i] for i in idx],
            lr_scale=lr_factor(cfg.lr_schedule, self.step, cfg.max_steps),
        )

    def _learned(self) -> bool:
        return "mean_reward" in self.stats  # False when no sample was rated in time

    def report(self) -> None:
        if self._learned():
            self.report_metrics(self.stats)

    def after_step(self, last: bool) -> bool:
        if not self._learned():
            self.log(f"{self.step_name} {self.step}: no sample was rated in time; nothing to learn from", "warning")
            return False
        self.last = self.stats
        for key in self.history_keys:
            self.history[key].append([self.step, self.stats[key]])
        return False

    # -- checkpoints ---------------------------------------------------------------------------

    def write_checkpoint(self, staging: Path) -> None:
        R = self.roles
        states = {role: R.get(R.call(role, "state")) for role in self.model_roles}
        for role, state in states.items():
            save_file(state["weights"], str(staging / f"{role}.safetensors"))
        torch.save({role: state["optimizer"] for role, state in states.items()}, staging / "optim.pt")
        torch.save({"loop": self.ppo.state(), "rng": capture_rng()}, staging / "loop.pt")

    def state_dict(self) -> dict[str, Any]:
        return {"last": self.last}

    def read_checkpoint(self, path: Path, state: dict[str, Any]) -> None:
        optim = torch.load(path / "optim.pt", map_location="cpu", weights_only=True)
        loop = torch.load(path / "loop.pt", map_location="cpu", weights_only=True)
        R = self.roles
        for role in self.model_roles:
            weights = load_file(str(path / f"{role}.safetensors"))
            R.get(R.call(role, "load_state", {"weights": weights, "optimizer": optim[role]}))
        self.ppo.load_state(loop["loop"])
        restore_rng(loop["rng"])
        self.last = state["last"]

    def resumed(self, state: dict[str, Any]) -> str:
        return f" (kl_coef {self.ppo.kl_ctl.value:.4g})"

    # -- the result ----------------------------------------------------------------------------

    def finish(self) -> TrainResult:
        from kiln_trainer.algorithms.ppo.curves import plot_ppo_curves

        ctx = self.ctx
        model_dir = ctx.work_dir / "model"
        self.roles.get(self.roles.call("policy", "save_model", str(model_dir)))
        png = plot_ppo_curves(
            self.history,
            ctx.work_dir / "ppo_curves.png",
            f"{self.title} of {Path(self.cfg.base_model).name} ({self.cfg.tuning})",
        )
        artifacts = {"ppo_curves.png": ctx.save_artifact("ppo_curves.png", png)}
        self.log(f"saved the policy to {model_dir} after {self.step} {self.title} steps")
        metrics = {"steps": float(self.step)}
        for key in ("mean_reward", "kl", "entropy"):
            if key in self.last:
                metrics[key] = float(self.last[key])
        metrics["wall_s"] = time.perf_counter() - self.started
        return TrainResult(model_dir=model_dir, family=self.family, metrics=metrics, artifacts=artifacts)
