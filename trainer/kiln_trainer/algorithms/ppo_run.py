"""The PPO job behind `kiln_trainer.algorithms.ppo.train`: prompts, roles, iterations, checkpoints.

One `PPORun` is one attempt of one job: read and tokenise the prompts, start the four roles
(in-process, or as Ray actors), resume from the newest checkpoint, run PPO iterations
(trainer/kiln_trainer/rlhf/ppo_loop.py) until max_steps, and save the policy as a model directory.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from kiln_trainer.algorithms.ppo import PPOConfig
from kiln_trainer.checkpoint import capture_rng, restore_rng
from kiln_trainer.context import TrainContext, TrainResult
from kiln_trainer.data.formats import RecordError, read_jsonl
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.lora import LoraSettings
from kiln_trainer.rlhf.ppo_loop import LoopOptions, PPOLoop, lr_factor
from kiln_trainer.rlhf.roles import LocalRoles, PolicyOptions, RewardRole, ValueOptions
from kiln_trainer.rlhf.specs import BUILDERS, ROLE_NAMES, RoleSpecs

HISTORY_KEYS = ("mean_reward", "kl", "policy_loss", "value_loss", "entropy")


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


class PPORun:
    def __init__(self, config: PPOConfig, ctx: TrainContext):
        self.cfg = config
        self.ctx = ctx
        self.step = 0
        self.history: dict[str, list[list[float]]] = {k: [] for k in HISTORY_KEYS}
        self.last: dict[str, float] = {}
        self.roles: Any = None  # LocalRoles or RayRoles: the same call interface

    # -- setup ---------------------------------------------------------------------------------

    def _specs(self) -> RoleSpecs:
        cfg = self.cfg
        lora = (
            LoraSettings(cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, cfg.lora_target_modules)
            if cfg.tuning == "lora"
            else None
        )
        return RoleSpecs(
            policy_model=cfg.base_model,
            reference_model=cfg.reference_model or cfg.base_model,
            value_model=cfg.value_model or cfg.base_model,
            seed=cfg.seed,
            policy=PolicyOptions(
                learning_rate=cfg.learning_rate,
                max_grad_norm=cfg.max_grad_norm,
                clip_range=cfg.clip_range,
                temperature=cfg.temperature,
                max_new_tokens=cfg.max_new_tokens,
                stop_at_eos=cfg.stop_at_eos,
                lora=lora,
                max_batch=min(cfg.rollout_batch_size, 64),
            ),
            value=ValueOptions(
                learning_rate=cfg.value_learning_rate or cfg.learning_rate,
                max_grad_norm=cfg.max_grad_norm,
                clip_range=cfg.value_clip_range,
            ),
            temperature=cfg.temperature,
            reward_model=cfg.reward_model,
            scoring_function=cfg.scoring_function,
        )

    def _feedback_reward(self) -> RewardRole | None:
        if not self.cfg.human_feedback:
            return None
        from kiln_trainer.rlhf.rewards import HumanFeedbackReward

        collect = getattr(self.ctx, "collect_feedback", None)
        if collect is None:
            raise ConfigError("human_feedback", "this job's context cannot collect human feedback")
        # The collector talks to the job's context, which lives in this process: so does the role.
        return RewardRole(HumanFeedbackReward(collect, self.cfg.feedback_timeout_s))

    def _field(self, role: str) -> str:
        """The config field that names the model a role loads, for error messages."""
        cfg = self.cfg
        return {
            "policy": "base_model",
            "value": "value_model" if cfg.value_model else "base_model",
            "reference": "reference_model" if cfg.reference_model else "base_model",
            "reward": "reward_model" if cfg.reward_model else "scoring_function",
        }[role]

    def _start_roles(self, specs: RoleSpecs) -> None:
        feedback = self._feedback_reward()
        if use_ray(self.cfg.role_backend):
            from kiln_trainer.rlhf.actors import start_ray_roles

            self.roles = start_ray_roles(specs, self.cfg.gpus, {"reward": feedback} if feedback else None)
            where = "as Ray actors"
        else:
            roles: dict[str, Any] = {"reward": feedback} if feedback else {}
            for name in ROLE_NAMES:
                if name in roles:
                    continue
                try:
                    roles[name] = BUILDERS[name](specs)
                # Unreadable files, bad config values, weights that do not fit the config.
                except (OSError, ValueError, TypeError, RuntimeError) as e:
                    if "policy" in roles:
                        roles["policy"].close()
                    raise ConfigError(self._field(name), f"cannot load the {name} model: {e}") from e
            self.roles = LocalRoles(roles)
            where = "in-process"
        self.ctx.log(
            f"PPO roles started {where}: policy {specs.policy_model}, reference "
            f"{specs.reference_model}, value {specs.value_model}, reward "
            f"{self.cfg.reward_model or self.cfg.scoring_function or 'human feedback'}"
        )

    def _read_prompts(self) -> None:
        cfg = self.cfg
        try:
            records = read_jsonl(cfg.prompts_path, "prompts")
        except FileNotFoundError:
            raise ConfigError("prompts_path", f"no such file: {cfg.prompts_path}") from None
        except RecordError as e:
            raise ConfigError("prompts_path", f"{cfg.prompts_path}: {e}") from None
        if not records:
            raise ConfigError("prompts_path", f"no prompts in {cfg.prompts_path}")
        self.prompt_texts = [r["prompt"] for r in records]

    def _tokenize_prompts(self) -> None:
        room = self.cfg.max_seq_len - self.cfg.max_new_tokens
        R = self.roles
        self.prompt_ids, truncated = R.get(R.call("policy", "encode_prompts", self.prompt_texts, room))
        if truncated:
            self.ctx.log(
                f"{truncated} of {len(self.prompt_ids)} prompts were cut to their last {room} tokens", "warning"
            )

    # -- checkpoints ---------------------------------------------------------------------------

    def _checkpoint(self) -> None:
        R = self.roles
        policy, value = R.get(R.call("policy", "state")), R.get(R.call("value", "state"))
        tmp = self.ctx.work_dir / "_checkpoint_staging"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        save_file(policy["weights"], str(tmp / "policy.safetensors"))
        save_file(value["weights"], str(tmp / "value.safetensors"))
        torch.save({"policy": policy["optimizer"], "value": value["optimizer"]}, tmp / "optim.pt")
        torch.save({"loop": self.loop.state(), "rng": capture_rng()}, tmp / "loop.pt")
        state = {"step": self.step, "history": self.history, "last": self.last, "config": self.cfg.to_dict()}
        (tmp / "state.json").write_text(json.dumps(state, indent=1))
        self.ctx.save_checkpoint(self.step, tmp)

    def _resume(self) -> None:
        path = self.ctx.latest_checkpoint()
        if path is None:
            return
        path = Path(path)
        optim = torch.load(path / "optim.pt", map_location="cpu", weights_only=True)
        loop = torch.load(path / "loop.pt", map_location="cpu", weights_only=True)
        R = self.roles
        R.get(
            R.call(
                "policy",
                "load_state",
                {"weights": load_file(str(path / "policy.safetensors")), "optimizer": optim["policy"]},
            )
        )
        R.get(
            R.call(
                "value",
                "load_state",
                {"weights": load_file(str(path / "value.safetensors")), "optimizer": optim["value"]},
            )
        )
        self.loop.load_state(loop["loop"])
        restore_rng(loop["rng"])
        state = json.loads((path / "state.json").read_text())
        self.step, self.history, self.last = state["step"], state["history"], state["last"]
        self.ctx.log(f"resumed from checkpoint at PPO step {self.step} (kl_coef {self.loop.kl_ctl.value:.4g})")

    # -- the loop ------------------------------------------------------------------------------

    def _iteration(self) -> dict[str, float]:
        cfg = self.cfg
        idx = prompt_order(len(self.prompt_ids), cfg.rollout_batch_size, self.step, cfg.seed)
        # Shaped like the gateway's sample ids ([a-z0-9-]), so people can rate them as samples.
        ids = [f"{self.ctx.job_id}-{self.step}-{i}".lower() for i in range(len(idx))]
        # Sampling seeds depend on (seed, step) only: a resumed attempt redraws the same rollouts.
        return self.loop.iteration(
            [self.prompt_ids[i] for i in idx],
            ids,
            seed=cfg.seed * 1_000_003 + self.step,
            prompt_texts=[self.prompt_texts[i] for i in idx],
            lr_scale=lr_factor(cfg.lr_schedule, self.step, cfg.max_steps),
        )

    def _record(self, stats: dict[str, float]) -> None:
        if "mean_reward" not in stats:
            self.ctx.log(f"PPO step {self.step}: no sample was rated in time; nothing to learn from", "warning")
            return
        self.last = stats
        for key in HISTORY_KEYS:
            self.history[key].append([self.step, stats[key]])
        if self.step % self.cfg.log_every == 0 or self.step == self.cfg.max_steps:
            self.ctx.report_metrics(self.step, stats, self.cfg.max_steps)

    def _loop(self) -> None:
        cfg = self.cfg
        while self.step < cfg.max_steps:
            if self.ctx.should_stop():
                self.ctx.log(f"cancelled after PPO step {self.step}", "warning")
                raise TrainingCancelled(self.step)
            stats = self._iteration()
            self.step += 1
            self._record(stats)
            if self.step % cfg.checkpoint_every == 0 and self.step < cfg.max_steps:
                self._checkpoint()

    # -- finish --------------------------------------------------------------------------------

    def _finish(self) -> TrainResult:
        from kiln_trainer.rlhf.curves import plot_ppo_curves

        ctx = self.ctx
        model_dir = ctx.work_dir / "model"
        self.roles.get(self.roles.call("policy", "save_model", str(model_dir)))
        png = plot_ppo_curves(
            self.history,
            ctx.work_dir / "ppo_curves.png",
            f"PPO of {Path(self.cfg.base_model).name} ({self.cfg.tuning})",
        )
        artifacts = {"ppo_curves.png": ctx.save_artifact("ppo_curves.png", png)}
        ctx.log(f"saved the policy to {model_dir} after {self.step} PPO steps")
        metrics = {"steps": float(self.step)}
        for key in ("mean_reward", "kl", "entropy"):
            if key in self.last:
                metrics[key] = float(self.last[key])
        return TrainResult(model_dir=model_dir, family="causal_lm", metrics=metrics, artifacts=artifacts)

    def run(self) -> TrainResult:
        cfg = self.cfg
        torch.manual_seed(cfg.seed)
        self._read_prompts()  # a bad prompts file fails before any model is loaded
        self._start_roles(self._specs())
        try:
            self._tokenize_prompts()
            self.loop = PPOLoop(
                self.roles,
                LoopOptions(
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
                ),
                seed=cfg.seed,
            )
            self._resume()
            started = time.perf_counter()
            self._loop()
            result = self._finish()
            result.metrics["wall_s"] = time.perf_counter() - started
            return result
        finally:
            self.roles.close()
