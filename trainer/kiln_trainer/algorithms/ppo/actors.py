"""The PPO roles as Ray actors: one thin `@ray.remote` class per role, and where they are placed.

Each actor builds its role from RoleSpecs where it runs and forwards calls to it; the maths
stays in roles.py. Placement (`plan_placement`, pure):
- no GPUs: one CPU bundle shared by all roles (fractional CPUs), i.e. colocated on one worker;
- GPUs: one GPU bundle per model-holding role while there are enough, else roles share bundles
  round-robin with fractional GPUs. The group is PACKed: Ray keeps bundles on one node when it
  can (fast device-to-host copies between roles) and spills to other nodes when it cannot, where
  STRICT_SPREAD would refuse a single multi-GPU machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ray
from ray.util.placement_group import placement_group, remove_placement_group
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

from kiln_trainer.algorithms.ppo.specs import RoleSpecs, build_policy, build_reference, build_reward, build_value

_PG_TIMEOUT_S = 120.0  # waiting longer than this for resources means the cluster cannot fit the job


@dataclass(frozen=True)
class Slot:
    bundle: int
    num_cpus: float
    num_gpus: float


@dataclass(frozen=True)
class Placement:
    bundles: list[dict[str, float]]
    strategy: str
    slots: dict[str, Slot]


def _share(total: float, n: int) -> float:
    # Rounded down to Ray's resource precision (1e-4) so n shares never add up past the bundle.
    return math.floor(total / n * 1e4) / 1e4


def plan_placement(roles: list[str], gpu_roles: set[str], gpus: int, cpus: float = 1.0) -> Placement:
    """Bundles and per-role slots for `roles`; those in `gpu_roles` hold a model worth a GPU."""
    if not roles:
        raise ValueError("no roles to place")
    on_gpu = [r for r in roles if r in gpu_roles] if gpus > 0 else []
    n_bundles = min(gpus, len(on_gpu)) if on_gpu else 1
    members: list[list[str]] = [[] for _ in range(n_bundles)]
    for i, r in enumerate(on_gpu):
        members[i % n_bundles].append(r)
    for r in roles:  # CPU-only roles (a scoring function, a feedback collector) join bundle 0
        if r not in on_gpu:
            members[0].append(r)
    per_bundle_cpu = max(cpus / n_bundles, 0.01)
    bundles: list[dict[str, float]] = []
    slots: dict[str, Slot] = {}
    for b, names in enumerate(members):
        gpu_names = [r for r in names if r in on_gpu]
        bundles.append({"CPU": per_bundle_cpu, **({"GPU": 1.0} if gpu_names else {})})
        for r in names:
            slots[r] = Slot(
                b, _share(per_bundle_cpu, len(names)), _share(1.0, len(gpu_names)) if r in gpu_names else 0.0
            )
    return Placement(bundles, "PACK", slots)


class _TrainedRole:
    """The calls the two trained roles (policy and critic) share; `role` is set by the actor."""

    role: Any

    def train_step(self, *args: Any) -> dict[str, float]:
        return self.role.train_step(*args)

    def set_lr_scale(self, scale: float) -> None:
        self.role.set_lr_scale(scale)

    def state(self) -> dict[str, Any]:
        return self.role.state()

    def load_state(self, state: dict[str, Any]) -> None:
        self.role.load_state(state)


@ray.remote
class PolicyActor(_TrainedRole):
    def __init__(self, specs: RoleSpecs):
        self.role = build_policy(specs)

    def encode_prompts(self, texts: list[str], room: int) -> Any:
        return self.role.encode_prompts(texts, room)

    def rollout(self, *args: Any) -> Any:
        return self.role.rollout(*args)

    def logprobs(self, batch: Any) -> Any:
        return self.role.logprobs(batch)

    def dpo_step(self, *args: Any) -> dict[str, float]:
        return self.role.dpo_step(*args)

    def save_model(self, out_dir: str) -> str:
        return self.role.save_model(out_dir)

    def close(self) -> None:
        self.role.close()


@ray.remote
class ValueActor(_TrainedRole):
    def __init__(self, specs: RoleSpecs):
        self.role = build_value(specs)

    def values(self, batch: Any) -> Any:
        return self.role.values(batch)


@ray.remote
class ReferenceActor:
    def __init__(self, specs: RoleSpecs):
        self.role = build_reference(specs)

    def logprobs(self, batch: Any) -> Any:
        return self.role.logprobs(batch)


@ray.remote
class RewardActor:
    def __init__(self, specs: RoleSpecs):
        self.role = build_reward(specs)

    def score(self, samples: list) -> list[float | None]:
        return self.role.score(samples)


ACTOR_CLASSES = {"policy": PolicyActor, "value": ValueActor, "reference": ReferenceActor, "reward": RewardActor}


class RayRoles:
    """Roles as Ray actors (plus any kept in-process), behind LocalRoles' call interface:
    `call` returns at once (an ObjectRef for an actor), `get` waits."""

    def __init__(self, actors: dict[str, Any], local: dict[str, Any], group: Any):
        self.actors = actors
        self.local = local
        self.group = group

    def call(self, role: str, method: str, *args: Any) -> Any:
        if role in self.local:
            return getattr(self.local[role], method)(*args)
        return getattr(self.actors[role], method).remote(*args)

    def get(self, pending: Any) -> Any:
        return ray.get(pending) if isinstance(pending, ray.ObjectRef) else pending

    def close(self) -> None:
        try:
            if "policy" in self.actors:
                ray.get(self.actors["policy"].close.remote(), timeout=30)
        except Exception:  # an actor that already died has nothing left to close
            pass
        for actor in self.actors.values():
            ray.kill(actor)
        remove_placement_group(self.group)
        for role in self.local.values():  # e.g. a remote reward service's channel
            if hasattr(role, "close"):
                role.close()


def start_ray_roles(
    specs: RoleSpecs,
    gpus: int,
    local: dict[str, Any] | None = None,
    cpus: float = 1.0,
    roles: tuple[str, ...] = tuple(ACTOR_CLASSES),
) -> RayRoles:
    """Place and start an actor for every role in `roles` not given in `local`; waits until all
    are up. The group methods leave out the value role."""
    local = local or {}
    names = [r for r in roles if r not in local]
    gpu_roles = {"policy", "value", "reference"} | ({"reward"} if specs.reward_model else set())
    plan = plan_placement(names, gpu_roles, gpus, cpus)
    group = placement_group(plan.bundles, strategy=plan.strategy)
    ready, _ = ray.wait([group.ready()], timeout=_PG_TIMEOUT_S)
    if not ready:
        remove_placement_group(group)
        raise RuntimeError(f"the Ray cluster cannot place the PPO roles ({plan.bundles}) within {_PG_TIMEOUT_S:.0f}s")
    actors = {}
    try:
        for name in names:
            slot = plan.slots[name]
            strategy = PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=slot.bundle)
            actors[name] = (
                ACTOR_CLASSES[name]
                .options(num_cpus=slot.num_cpus, num_gpus=slot.num_gpus, scheduling_strategy=strategy)
                .remote(specs)
            )
        # A cheap call on each surfaces construction errors (bad model dirs) here, not mid-loop.
        ray.get([a.__ray_ready__.remote() for a in actors.values()])
    except Exception:
        for a in actors.values():
            ray.kill(a)
        remove_placement_group(group)
        raise
    return RayRoles(actors, local, group)
