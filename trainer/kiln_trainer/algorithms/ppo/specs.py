"""What it takes to build each PPO role, as plain picklable values, and the builders.

The same builders run in this process (local roles) and inside Ray actors, so each actor loads
its own model where it runs instead of receiving weights over the wire.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kiln_trainer.algorithms.ppo.roles import (
    PolicyOptions,
    PolicyRole,
    ReferenceRole,
    RewardRole,
    ValueOptions,
    ValueRole,
    default_device,
)
from kiln_trainer.configs.ppo import PPOConfig
from kiln_trainer.models.loader import load_causal_lm
from kiln_trainer.models.registry import is_reward_model_dir

ROLE_NAMES = ("policy", "value", "reference", "reward")


@dataclass(frozen=True)
class RoleSpecs:
    policy_model: str  # built-in name or model directory
    reference_model: str
    value_model: str  # a causal LM, or a reward model directory (its body and head)
    seed: int  # built-in models start from weights drawn from this seed
    policy: PolicyOptions
    value: ValueOptions
    temperature: float
    reward_model: str | None = None
    scoring_function: str | None = None


def role_specs(cfg: PPOConfig) -> RoleSpecs:
    """What each role of a PPO job is built from (human feedback is wired in by the trainer)."""
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
            lora=cfg.lora(),
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


def build_policy(specs: RoleSpecs, device: torch.device | None = None) -> PolicyRole:
    return PolicyRole(load_causal_lm(specs.policy_model, seed=specs.seed), specs.policy, device)


def build_value(specs: RoleSpecs, device: torch.device | None = None) -> ValueRole:
    if is_reward_model_dir(specs.value_model):
        from kiln_trainer.models.reward_model import load_reward_model

        rm = load_reward_model(specs.value_model)
        return ValueRole(rm.lm, specs.value, device, head=rm.head)
    return ValueRole(load_causal_lm(specs.value_model, seed=specs.seed), specs.value, device)


def build_reference(specs: RoleSpecs, device: torch.device | None = None) -> ReferenceRole:
    return ReferenceRole(load_causal_lm(specs.reference_model, seed=specs.seed), specs.temperature, device)


def build_reward(specs: RoleSpecs, device: torch.device | None = None) -> RewardRole:
    """A reward model or a scoring function; human feedback needs the job context and is built
    by the caller (see trainer.py)."""
    from kiln_trainer.algorithms.ppo.rewards import FunctionReward, ModelReward, same_tokenizer

    if specs.reward_model is not None:
        from kiln_trainer.models.loader import tokenizer_of
        from kiln_trainer.models.reward_model import load_reward_model

        rm = load_reward_model(specs.reward_model).to(device or default_device())
        by_ids = same_tokenizer(rm.tokenizer, tokenizer_of(specs.policy_model))
        return RewardRole(ModelReward(rm, by_ids=by_ids, stop_at_eos=specs.policy.stop_at_eos))
    if specs.scoring_function is not None:
        from kiln_trainer.scoring import resolve

        return RewardRole(FunctionReward(resolve(specs.scoring_function)))
    raise ValueError("no reward model or scoring function to build a reward role from")


BUILDERS = {"policy": build_policy, "value": build_value, "reference": build_reference, "reward": build_reward}
