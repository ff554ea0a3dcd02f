"""PPO against a reward model, a scoring function or live human feedback.

`PPOConfig` is validated on construction (ConfigError names the field); `train(config, ctx)`
runs the job (the loop: ppo_run.py, the roles it drives: trainer/kiln_trainer/rlhf/roles.py) and returns a
TrainResult whose model directory holds the tuned policy. Torch is imported inside `train`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiln_trainer.algorithms.checks import check_context, check_float, check_int, check_tuning, config_from_dict
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult

KL_ESTIMATORS = ("k1", "k2", "k3", "abs")
ROLE_BACKENDS = ("auto", "local", "ray")
LR_SCHEDULES = ("constant", "linear")


def _check_model(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(name, f"must be a model name or path, got {value!r}")
    if not is_builtin(value) and not looks_like_model_dir(value):
        raise ConfigError(
            name,
            f"{value!r} is neither a built-in model ({', '.join(BUILTIN_MODELS)}) "
            "nor a local directory with config.json and weights",
        )


def _is_reward_model_dir(path: Any) -> bool:
    # Read config.json here rather than import kiln_trainer.models.reward_model, which needs torch.
    config = Path(path) / "config.json" if isinstance(path, str) and path else None
    if config is None or not config.is_file():
        return False
    try:
        return json.loads(config.read_text()).get("model_type") == "kiln-reward-model"
    except (OSError, ValueError):
        return False


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(name, f"must be true or false, got {value!r}")


@dataclass
class PPOConfig:
    # The policy's starting point: a built-in model name or a local model directory.
    base_model: str
    # Local JSONL file of {"prompt": str} records; rollouts cycle through it in a seeded order.
    prompts_path: str
    # The reward: exactly one of reward_model, scoring_function and human_feedback.
    reward_model: str | None = None  # local directory of a trained reward model
    # A name registered in trainer/kiln_trainer/rlhf/scoring.py, e.g. "length", "contains:thanks".
    scoring_function: str | None = None
    # Rewards are ratings of this job's samples from people, collected through the job context.
    human_feedback: bool = False
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
    tuning: str = "full"  # "full" or "lora" for the policy (the critic is always trained fully)
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    lora_target_modules: list[str] | None = None
    # Where the roles run: "local" in this process, "ray" as one actor per role, "auto": Ray
    # actors when Ray is initialised in this process, else local.
    role_backend: str = "auto"
    gpus: int = 0  # the job's GPUs; with more than one, the role actors are spread over them
    seed: int = 0
    log_every: int = 1  # iterations between metric reports
    checkpoint_every: int = 50  # iterations between checkpoints

    def __post_init__(self) -> None:
        _check_model("base_model", self.base_model)
        if not isinstance(self.prompts_path, str) or not self.prompts_path:
            raise ConfigError("prompts_path", f"must be a local JSONL path, got {self.prompts_path!r}")
        self._check_reward()
        check_float("feedback_timeout_s", self.feedback_timeout_s, low=0.0, low_open=True)
        for name in ("reference_model", "value_model"):
            if getattr(self, name) is not None:
                _check_model(name, getattr(self, name))
        check_float("kl_coef", self.kl_coef, low=0.0)
        if self.kl_estimator not in KL_ESTIMATORS:
            raise ConfigError("kl_estimator", f"must be one of {', '.join(KL_ESTIMATORS)}, got {self.kl_estimator!r}")
        _check_bool("adaptive_kl", self.adaptive_kl)
        check_float("adaptive_kl_target", self.adaptive_kl_target, low=0.0, low_open=True)
        check_int("adaptive_kl_horizon", self.adaptive_kl_horizon, 1)
        if self.target_kl is not None:
            check_float("target_kl", self.target_kl, low=0.0, low_open=True)
        check_float("gamma", self.gamma, low=0.0, high=1.0, high_open=False)
        check_float("lam", self.lam, low=0.0, high=1.0, high_open=False)
        check_float("clip_range", self.clip_range, low=0.0, low_open=True, high=1.0)
        check_float("value_clip_range", self.value_clip_range, low=0.0, low_open=True)
        _check_bool("whiten_advantages", self.whiten_advantages)
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
        _check_bool("stop_at_eos", self.stop_at_eos)
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True)
        if self.value_learning_rate is not None:
            check_float("value_learning_rate", self.value_learning_rate, low=0.0, low_open=True)
        if self.lr_schedule not in LR_SCHEDULES:
            raise ConfigError("lr_schedule", f"must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        check_float("max_grad_norm", self.max_grad_norm, low=0.0, low_open=True)
        check_int("max_steps", self.max_steps, 1)
        check_int("max_seq_len", self.max_seq_len, 2)
        if self.max_new_tokens >= self.max_seq_len:
            raise ConfigError(
                "max_new_tokens",
                f"{self.max_new_tokens} leaves no room for a prompt within max_seq_len {self.max_seq_len}",
            )
        check_context(self.base_model, self.max_seq_len)
        check_tuning(self)
        if self.role_backend not in ROLE_BACKENDS:
            raise ConfigError("role_backend", f"must be one of {', '.join(ROLE_BACKENDS)}, got {self.role_backend!r}")
        check_int("gpus", self.gpus, 0)
        check_int("seed", self.seed, 0)
        check_int("log_every", self.log_every, 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)

    def _check_reward(self) -> None:
        _check_bool("human_feedback", self.human_feedback)
        chosen = [
            name
            for name, on in (
                ("reward_model", self.reward_model is not None),
                ("scoring_function", self.scoring_function is not None),
                ("human_feedback", self.human_feedback),
            )
            if on
        ]
        if len(chosen) != 1:
            field = chosen[1] if len(chosen) > 1 else "reward_model"
            raise ConfigError(
                field,
                "set exactly one reward source: reward_model, scoring_function or "
                f"human_feedback (got {', '.join(chosen) or 'none'})",
            )
        if self.reward_model is not None and not _is_reward_model_dir(self.reward_model):
            raise ConfigError(
                "reward_model", f"{self.reward_model!r} is not a reward model directory (a REWARD_MODEL job's output)"
            )
        if self.scoring_function is not None:
            from kiln_trainer.rlhf.scoring import resolve

            try:
                resolve(self.scoring_function)
            except ValueError as e:
                raise ConfigError("scoring_function", str(e)) from None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PPOConfig:
        """Build from plain values; an unknown or missing required key is a ConfigError."""
        return config_from_dict(cls, d, ("base_model", "prompts_path"), "PPO config")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train(config: PPOConfig, ctx: TrainContext) -> TrainResult:
    """Tune `config.base_model` with PPO on the prompts in `config.prompts_path`.

    Raises ConfigError for problems only visible once data and models are loaded, and
    TrainingCancelled when ctx.should_stop() turns true.
    """
    from kiln_trainer.algorithms.ppo_run import PPORun

    return PPORun(config, ctx).run()
