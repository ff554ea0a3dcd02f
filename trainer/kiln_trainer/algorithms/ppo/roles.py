"""The four roles of PPO as plain classes: the maths, testable without Ray.

- PolicyRole: the model being tuned; samples rollouts through Kiln's sampling engine (which
  holds a reference to the same module, so every update is live for the next rollout), scores
  its own tokens, and takes clipped-surrogate steps.
- ValueRole: the critic (a body with a scalar head) and its clipped value-loss steps.
- ReferenceRole: the frozen model the KL penalty is measured against.
- RewardRole: one sequence reward per completion, from any RewardSource.

actors.py wraps each in a Ray actor; `LocalRoles` below drives them in-process
with the same call interface, so the PPO loop does not care where a role lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from kiln_trainer.algorithms.ppo.experience import RolloutBatch, Sample, build_batch, completion_logprobs
from kiln_trainer.algorithms.ppo.rewards import RewardSource
from kiln_trainer.algorithms.ppo.value_model import ValueModel
from kiln_trainer.configs.base import LoraSettings
from kiln_trainer.losses import ppo_policy_loss, ppo_value_loss, preference_loss
from kiln_trainer.models.loader import LoadedModel
from kiln_trainer.optim import build_optimizer
from kiln_trainer.training.checkpoint import load_trainable_state, trainable_state
from kiln_trainer.training.lora import apply_lora, save_and_merge


def default_device() -> torch.device:
    # Inside a Ray actor with a GPU, Ray narrows CUDA_VISIBLE_DEVICES to the GPU it was given.
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


@dataclass(frozen=True)
class PolicyOptions:
    learning_rate: float
    max_grad_norm: float = 1.0
    clip_range: float = 0.2
    temperature: float = 1.0
    max_new_tokens: int = 32
    stop_at_eos: bool = True
    lora: LoraSettings | None = None  # None: train every weight
    max_batch: int = 32  # rows the engine decodes together


@dataclass(frozen=True)
class ValueOptions:
    learning_rate: float
    max_grad_norm: float = 1.0
    clip_range: float = 0.2


def _scale_lr(optimizer: torch.optim.Optimizer, base_lr: float, scale: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = base_lr * scale


def _step(
    loss: torch.Tensor, optimizer: torch.optim.Optimizer, params: Sequence[torch.Tensor], max_norm: float
) -> float:
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    optimizer.step()
    return float(grad_norm)


class PolicyRole:
    def __init__(self, lm: LoadedModel, opts: PolicyOptions, device: torch.device | None = None):
        from kiln_trainer.inference.engine import Engine

        self.opts = opts
        self.device = device or default_device()
        self.lm = lm
        # peft injects the adapters into lm.model in place, so lm.logits and the engine (which
        # call lm.model) run with them; the wrapper is kept for saving and merging.
        self.module = apply_lora(lm.model, lm.kind, opts.lora) if opts.lora else lm.model
        self.module.to(self.device)
        # Eval mode throughout: dropout would make the ratio of new to old log-probs differ
        # from 1 before any update, which PPO's clipping would misread as policy change.
        self.module.eval()
        self.params = [p for p in self.module.parameters() if p.requires_grad]
        self.optimizer = build_optimizer(self.module, lr=opts.learning_rate, weight_decay=0.0)
        self.engine = Engine(lm, max_batch=opts.max_batch)

    def encode_prompts(self, texts: list[str], room: int) -> tuple[list[list[int]], int]:
        """Token ids of each prompt, cut from the left to at most `room` tokens (the end is what
        the completion continues), and how many were cut. An empty prompt starts at eos."""
        encoded = self.lm.tokenizer(texts, add_special_tokens=False)["input_ids"]
        ids = [list(e[-room:]) or [self.lm.eos_token_id] for e in encoded]
        return ids, sum(len(e) > room for e in encoded)

    def rollout(
        self, prompts: list[list[int]], sample_ids: list[str], seed: int, prompt_texts: list[str] | None = None
    ) -> RolloutBatch:
        """Sample one completion per prompt; sampling is reproducible from (seed, row)."""
        from kiln_trainer.inference.engine import STOP, GenerationRequest
        from kiln_trainer.inference.params import SamplingParams

        params = SamplingParams(
            temperature=self.opts.temperature,
            max_tokens=self.opts.max_new_tokens,
            seed=seed,
            stop_at_eos=self.opts.stop_at_eos,
        )
        results = self.engine.generate(
            [GenerationRequest(prompt_ids=list(p), params=params, index=i) for i, p in enumerate(prompts)]
        )
        eos = self.lm.eos_token_id
        completions = []
        for r in results:
            # The engine leaves a stopping eos out of its output; the policy must still learn
            # to emit it, so it stays part of the completion it is trained on.
            ends = self.opts.stop_at_eos and r.finish_reason == STOP
            completions.append(list(r.token_ids) + ([eos] if ends else []))
        if prompt_texts is None:
            prompt_texts = [self.lm.tokenizer.decode(p, skip_special_tokens=True) for p in prompts]
        samples = [
            Sample(sid, list(p), c, pt, r.text)
            for sid, p, c, pt, r in zip(sample_ids, prompts, completions, prompt_texts, results, strict=True)
        ]
        return build_batch([list(p) for p in prompts], completions, self.lm.pad_token_id, samples)

    @torch.no_grad()
    def logprobs(self, batch: RolloutBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, L) log-probs of the sampled tokens and the policy's entropy at each, on the CPU."""
        logps, entropy = completion_logprobs(self.lm, batch.to(self.device), self.opts.temperature, with_entropy=True)
        assert entropy is not None
        return logps.cpu(), entropy.cpu()

    def train_step(self, batch: RolloutBatch, old_logprobs: torch.Tensor, advantages: torch.Tensor) -> dict[str, float]:
        batch = batch.to(self.device)
        logps, _ = completion_logprobs(self.lm, batch, self.opts.temperature)
        loss, clip_fraction, approx_kl = ppo_policy_loss(
            logps, old_logprobs.to(self.device), advantages.to(self.device), batch.completion_mask, self.opts.clip_range
        )
        grad_norm = _step(loss, self.optimizer, self.params, self.opts.max_grad_norm)
        return {
            "policy_loss": float(loss.detach()),
            "clip_fraction": float(clip_fraction),
            "approx_kl": float(approx_kl),
            "policy_grad_norm": grad_norm,
        }

    def dpo_step(
        self, batch: RolloutBatch, ref_logprobs: torch.Tensor, beta: float, loss: str, label_smoothing: float
    ) -> dict[str, float]:
        """One DPO step (online DPO) on 2P rows: P chosen completions, then their P rejected
        partners in the same order; ref_logprobs (2P, L) are the reference's per-token log-probs.
        IPO compares length-normalised log-probs, as offline DPO does (algorithms/dpo/core.py)."""
        batch = batch.to(self.device)
        mask = batch.completion_mask.to(torch.float32)
        logps, _ = completion_logprobs(self.lm, batch, self.opts.temperature)
        seq = (logps * mask).sum(1)
        ref = (ref_logprobs.to(self.device) * mask).sum(1)
        # The rows were sampled from (nearly) this policy, so the mean log ratio estimates
        # KL(policy || reference) per completion: how far DPO has moved it.
        implicit_kl = float((seq - ref).detach().mean())
        if loss == "ipo":
            lengths = mask.sum(1).clamp(min=1)
            seq, ref = seq / lengths, ref / lengths
        P = batch.size // 2
        value, chosen, rejected = preference_loss(
            seq[:P], seq[P:], ref[:P], ref[P:], beta, kind=loss, label_smoothing=label_smoothing
        )
        grad_norm = _step(value, self.optimizer, self.params, self.opts.max_grad_norm)
        margin = chosen - rejected
        return {
            "dpo_loss": float(value.detach()),
            "reward_accuracy": float((margin > 0).float().mean()),
            "reward_margin": float(margin.mean()),
            "implicit_kl": implicit_kl,
            "policy_grad_norm": grad_norm,
        }

    def state(self) -> dict[str, Any]:
        return {"weights": trainable_state(self.module), "optimizer": self.optimizer.state_dict()}

    def set_lr_scale(self, scale: float) -> None:
        _scale_lr(self.optimizer, self.opts.learning_rate, scale)

    def load_state(self, state: dict[str, Any]) -> None:
        load_trainable_state(self.module, state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])

    def save_model(self, out_dir: str) -> str:
        """Write the policy as a model directory load_causal_lm reads (adapters merged in)."""
        self.engine.stop()
        if self.opts.lora:
            self.lm.model = self.module = save_and_merge(self.module, out_dir)
        self.lm.save(out_dir)
        return str(out_dir)

    def close(self) -> None:
        self.engine.stop()


class ValueRole:
    def __init__(
        self,
        lm: LoadedModel,
        opts: ValueOptions,
        device: torch.device | None = None,
        head: torch.nn.Linear | None = None,
    ):
        self.opts = opts
        self.device = device or default_device()
        self.model = ValueModel(lm, head).to(self.device).eval()
        self.model.requires_grad_(True)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = build_optimizer(self.model, lr=opts.learning_rate, weight_decay=0.0)

    @torch.no_grad()
    def values(self, batch: RolloutBatch) -> torch.Tensor:
        return self.model.completion_values(batch.to(self.device)).cpu()  # (B, L)

    def train_step(self, batch: RolloutBatch, old_values: torch.Tensor, returns: torch.Tensor) -> dict[str, float]:
        batch = batch.to(self.device)
        values = self.model.completion_values(batch)
        loss, clip_fraction = ppo_value_loss(
            values, old_values.to(self.device), returns.to(self.device), batch.completion_mask, self.opts.clip_range
        )
        grad_norm = _step(loss, self.optimizer, self.params, self.opts.max_grad_norm)
        return {
            "value_loss": float(loss.detach()),
            "value_clip_fraction": float(clip_fraction),
            "value_grad_norm": grad_norm,
        }

    def state(self) -> dict[str, Any]:
        return {"weights": trainable_state(self.model), "optimizer": self.optimizer.state_dict()}

    def set_lr_scale(self, scale: float) -> None:
        _scale_lr(self.optimizer, self.opts.learning_rate, scale)

    def load_state(self, state: dict[str, Any]) -> None:
        load_trainable_state(self.model, state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])


class ReferenceRole:
    def __init__(self, lm: LoadedModel, temperature: float = 1.0, device: torch.device | None = None):
        self.device = device or default_device()
        self.lm = lm
        self.temperature = temperature
        lm.model.to(self.device).eval().requires_grad_(False)

    @torch.no_grad()
    def logprobs(self, batch: RolloutBatch) -> torch.Tensor:
        logps, _ = completion_logprobs(self.lm, batch.to(self.device), self.temperature)
        return logps.cpu()  # (B, L)


class RewardRole:
    def __init__(self, source: RewardSource):
        self.source = source

    def score(self, samples: list[Sample]) -> list[float | None]:
        return self.source.score(samples)

    def close(self) -> None:
        close = getattr(self.source, "close", None)  # a remote service's channel
        if close is not None:
            close()


class LocalRoles:
    """The roles as plain objects in this process, behind the call interface of RayRoles."""

    def __init__(self, roles: dict[str, Any]):
        self.roles = roles

    def call(self, role: str, method: str, *args: Any) -> Any:
        return getattr(self.roles[role], method)(*args)

    def get(self, pending: Any) -> Any:
        return pending  # local calls finish before `call` returns

    def close(self) -> None:
        for name in ("policy", "reward"):
            role = self.roles.get(name)
            if role is not None and hasattr(role, "close"):
                role.close()
