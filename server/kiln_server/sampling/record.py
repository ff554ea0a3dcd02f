"""Sampling's records: the samples kept for feedback, and where each model is deployed."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

# An image sample is kept as a data URI of its exact PNG bytes (RFC 2397), under a "prompt" that
# names its generation condition, so that feedback on image samples pairs like feedback on text
# (same condition = same prompt) and an exported pair carries its pictures with it.
IMAGE_URI_PREFIX = "data:image/png;base64,"


def image_prompt(class_label: int | None) -> str:
    """The condition of an image sample: "<image>", or "<image class=3>" for a requested class."""
    return "<image>" if class_label is None else f"<image class={class_label}>"


def image_uri(png: bytes) -> str:
    return IMAGE_URI_PREFIX + base64.b64encode(png).decode("ascii")


def png_of(uri: str) -> bytes:
    """The PNG bytes of an image sample's data URI (ValueError for anything else)."""
    if not uri.startswith(IMAGE_URI_PREFIX):
        raise ValueError("not an image sample's data URI")
    return base64.b64decode(uri.removeprefix(IMAGE_URI_PREFIX), validate=True)


@dataclass
class SampleRecord:
    """One generated completion, kept (with a TTL) so feedback can refer to it by id. An image
    sample keeps image_prompt(class label) as its prompt and image_uri(PNG) as its text; with
    model_version, params (seed, class_label) and index that is also its generation recipe."""

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
