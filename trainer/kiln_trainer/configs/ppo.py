"""The PPO job's config: PPO against a reward model, a scoring function or live human feedback."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.base import LoraArguments
from kiln_trainer.configs.checks import (
    check_bool,
    check_choice,
    check_context,
    check_float,
    check_int,
    check_model,
    check_path,
)
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import is_reward_model_dir
from kiln_trainer.scoring import resolve as resolve_scoring


def check_target(name: str, target: object) -> None:
    """A gRPC target the job dials: "host:port" (an IPv6 host in brackets), port 1-65535."""
    if not isinstance(target, str) or not target:
        raise ConfigError(name, 'must be a non-empty "host:port" address')
    host, sep, port = target.rpartition(":")
    if not sep or not host or any(c.isspace() for c in target) or "/" in target:
        raise ConfigError(name, f'{target!r} is not a "host:port" address')
    if host.startswith("[") != host.endswith("]") or (":" in host and not host.startswith("[")):
        raise ConfigError(name, f"{target!r}: write an IPv6 host in brackets, e.g. [::1]:50051")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(name, f"{target!r}: the port must be a number in 1-65535")


KL_ESTIMATORS = ("k1", "k2", "k3", "abs")
ROLE_BACKENDS = ("auto", "local", "ray")
LR_SCHEDULES = ("constant", "linear")


@dataclass(kw_only=True)
class PPOConfig(LoraArguments):
    """PPO's own fields and LoRA for the policy (the critic is always trained fully).

    PPO runs iterations of rollout and update rather than epochs over a dataset, so it does not
    take TrainingArguments: its step, batch and schedule fields are its own.
    """

    LABEL = "PPO config"
    REQUIRED = ("base_model", "prompts_path")

    # The policy's starting point: a built-in model name or a local model directory.
    base_model: str
    # Local JSONL file of {"prompt": str} records; rollouts cycle through it in a seeded order.
    prompts_path: str
    # The reward: exactly one of reward_model, scoring_function and human_feedback.
    reward_model: str | None = None  # local directory of a trained reward model
    # A name registered in trainer/kiln_trainer/scoring.py, e.g. "length", "contains:thanks".
    scoring_function: str | None = None
    # Rewards are ratings of this job's samples from people, collected through the job context.
    human_feedback: bool = False
    # "host:port" of a kiln.v1.RewardService the user runs (protos/kiln/v1/rewards.proto).
    reward_service: str | None = None
    reward_timeout_s: float = 30.0  # deadline of one Score call
    reward_batch_size: int = 64  # completions per Score call at most
    reward_retries: int = 3  # further tries of a call that failed UNAVAILABLE or timed out
    # How long one batch waits for ratings; samples still unrated then are left out of the update.
    feedback_timeout_s: float = 600.0
    # The frozen model the KL penalty measures against; None: the base model.
    reference_model: str | None = None
    # Body of the critic (a scalar head is added); None: a copy of the policy's starting weights.
    value_model: str | None = None
    kl_coef: float = 0.05  # weight of the per-token KL(policy || reference) penalty
    kl_estimator: str = "k1"  # per-token KL estimate: k1 (log ratio), k2, k3 or abs
    # Adapt kl_coef toward adaptive_kl_target nats per sequence (Ziegler et al., 2019).
    adaptive_kl: bool = False
    adaptive_kl_target: float = 6.0
    adaptive_kl_horizon: int = 10000  # samples over which the coefficient may change by ~20%
    # Stop an iteration's minibatch epochs once approx KL(old || new) exceeds 1.5x this.
    target_kl: float | None = None
    gamma: float = 1.0  # discount over completion tokens
    lam: float = 0.95  # GAE lambda
    clip_range: float = 0.2  # policy ratio clip
    value_clip_range: float = 0.2  # how far a value prediction may move from its rollout value
    whiten_advantages: bool = True
    ppo_epochs: int = 4  # passes over each rollout batch
    rollout_batch_size: int = 16  # completions sampled per PPO iteration
    minibatch_size: int = 8  # completions per optimizer step
    max_new_tokens: int = 32  # completion length limit
    temperature: float = 1.0  # sampling temperature; log-probs are of the same tempered policy
    stop_at_eos: bool = True  # False: every completion is exactly max_new_tokens long
    learning_rate: float = 1e-5  # policy AdamW learning rate (constant)
    value_learning_rate: float | None = None  # critic learning rate; None: learning_rate
    # "constant", or "linear": both learning rates decay to 0 over max_steps, which lets PPO
    # settle on its optimum instead of jittering around it.
    lr_schedule: str = "constant"
    max_grad_norm: float = 1.0
    max_steps: int = 100  # PPO iterations (rollout + update)
    max_seq_len: int = 256  # prompt + completion; prompts are cut from the left to fit
    # Where the roles run: "local" in this process, "ray" as one actor per role, "auto": Ray
    # actors when Ray is initialised in this process, else local.
    role_backend: str = "auto"
    gpus: int = 0  # the job's GPUs; with more than one, the role actors are spread over them
    seed: int = 0
    log_every: int = 1  # iterations between metric reports
    checkpoint_every: int = 50  # iterations between checkpoints

    def __post_init__(self) -> None:
        check_model("base_model", self.base_model)
        check_path("prompts_path", self.prompts_path)
        self._check_reward()
        check_float("feedback_timeout_s", self.feedback_timeout_s, low=0.0, low_open=True)
        for name in ("reference_model", "value_model"):
            if getattr(self, name) is not None:
                check_model(name, getattr(self, name))
        check_float("kl_coef", self.kl_coef, low=0.0)
        check_choice("kl_estimator", self.kl_estimator, KL_ESTIMATORS)
        check_bool("adaptive_kl", self.adaptive_kl)
        check_float("adaptive_kl_target", self.adaptive_kl_target, low=0.0, low_open=True)
        check_int("adaptive_kl_horizon", self.adaptive_kl_horizon, 1)
        if self.target_kl is not None:
            check_float("target_kl", self.target_kl, low=0.0, low_open=True)
        check_float("gamma", self.gamma, low=0.0, high=1.0, high_open=False)
        check_float("lam", self.lam, low=0.0, high=1.0, high_open=False)
        check_float("clip_range", self.clip_range, low=0.0, low_open=True, high=1.0)
        check_float("value_clip_range", self.value_clip_range, low=0.0, low_open=True)
        check_bool("whiten_advantages", self.whiten_advantages)
        check_int("ppo_epochs", self.ppo_epochs, 1)
        check_int("rollout_batch_size", self.rollout_batch_size, 1)
        check_int("minibatch_size", self.minibatch_size, 1)
        if self.minibatch_size > self.rollout_batch_size:
            raise ConfigError(
                "minibatch_size", f"{self.minibatch_size} exceeds rollout_batch_size {self.rollout_batch_size}"
            )
        if self.whiten_advantages and self.rollout_batch_size < 2:
            raise ConfigError("rollout_batch_size", "must be >= 2 to whiten advantages")
        check_int("max_new_tokens", self.max_new_tokens, 1)
        # Greedy decoding has no sampling distribution for the policy gradient to work on.
        check_float("temperature", self.temperature, low=0.0, low_open=True, high=2.0, high_open=False)
        check_bool("stop_at_eos", self.stop_at_eos)
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True)
        if self.value_learning_rate is not None:
            check_float("value_learning_rate", self.value_learning_rate, low=0.0, low_open=True)
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_float("max_grad_norm", self.max_grad_norm, low=0.0, low_open=True)
        check_int("max_steps", self.max_steps, 1)
        check_int("max_seq_len", self.max_seq_len, 2)
        if self.max_new_tokens >= self.max_seq_len:
            raise ConfigError(
                "max_new_tokens",
                f"{self.max_new_tokens} leaves no room for a prompt within max_seq_len {self.max_seq_len}",
            )
        check_context(self.base_model, self.max_seq_len)
        super().__post_init__()  # the policy's LoRA fields
        check_choice("role_backend", self.role_backend, ROLE_BACKENDS)
        check_int("gpus", self.gpus, 0)
        check_int("seed", self.seed, 0)
        check_int("log_every", self.log_every, 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)

    def _check_reward(self) -> None:
        check_bool("human_feedback", self.human_feedback)
        chosen = [
            name
            for name, on in (
                ("reward_model", self.reward_model is not None),
                ("scoring_function", self.scoring_function is not None),
                ("human_feedback", self.human_feedback),
                ("reward_service", self.reward_service is not None),
            )
            if on
        ]
        if len(chosen) != 1:
            field = chosen[1] if len(chosen) > 1 else "reward_model"
            raise ConfigError(
                field,
                "set exactly one reward source: reward_model, scoring_function, human_feedback "
                f"or reward_service (got {', '.join(chosen) or 'none'})",
            )
        if self.reward_model is not None and not (
            isinstance(self.reward_model, str) and self.reward_model and is_reward_model_dir(self.reward_model)
        ):
            raise ConfigError(
                "reward_model", f"{self.reward_model!r} is not a reward model directory (a REWARD_MODEL job's output)"
            )
        if self.reward_service is not None:
            check_target("reward_service", self.reward_service)
        check_float("reward_timeout_s", self.reward_timeout_s, low=0.0, low_open=True, high=3600.0, high_open=False)
        check_int("reward_batch_size", self.reward_batch_size, 1)
        check_int("reward_retries", self.reward_retries, 0)
        if self.reward_retries > 10:
            raise ConfigError("reward_retries", f"at most 10, got {self.reward_retries}")
        if self.scoring_function is not None:
            try:
                resolve_scoring(self.scoring_function)
            except ValueError as e:
                raise ConfigError("scoring_function", str(e)) from None
