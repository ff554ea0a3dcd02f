"""Sampling's records: the samples kept for feedback, and where each model is deployed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class SampleRecord:
    """One generated completion, kept (with a TTL) so feedback can refer to it by id."""

    sample_id: str  # bare id, without the "samples/" prefix
    prompt: str
    text: str
    model: str  # "models/{id}", a built-in base model name, or "jobs/{id}" for a PPO job's rollouts
    model_version: str
    params: dict = field(default_factory=dict)  # the canonical sampling params
    index: int = 0
    finish_reason: str = "STOP"
    create_time: float = field(default_factory=time.time)  # seconds since the epoch


@dataclass(kw_only=True)
class DeploymentRecord:
    """Where one model of a tenant is served."""

    target: str  # "RAY_SERVE" or "TRITON" (DeploymentTarget, without its prefix)
    replicas: int = 1
    min_replicas: int = 0  # with max_replicas: Ray Serve autoscaling bounds; 0 = fixed replicas
    max_replicas: int = 0
    # "PENDING" (waiting for cluster room), "DEPLOYING" (replicas placed, starting), "READY", "FAILED"
    state: str = "DEPLOYING"
    app: str  # the Serve application / Triton model name
    version: str  # the model version deployed
    update_time: int = 0  # ms since the epoch
    error: str = ""  # why the last deployment FAILED
    reason: str = ""  # while PENDING: what it waits for
