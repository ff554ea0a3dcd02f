"""Serving image models: load a model directory by its config.json, sample seeded PNGs.

`ImageReplica` speaks the same dict protocol as EngineReplica (inference/replica.py), so Ray
Serve deploys it the same way and the gateway's Sampler calls it the same way:

Requests: {"prompt": "", "params": SamplingParams.canonical(), "n": int}; only `seed`,
`class_label` and `guidance_scale` of the params are used (the gateway refuses the text-only
ones). A class label is INVALID_ARGUMENT at params.class_label unless the model is
class-conditional and the label is one of its classes; a conditional model asked for no label
draws each sample's class uniformly from that sample's own seeded generator. A guidance scale is
INVALID_ARGUMENT at params.guidance_scale unless the model is a class-conditional diffusion
model (and the scale in [0, MAX_GUIDANCE]).
Results: {"completions": [{"index", "png", "width", "height", "finish_reason"}], "usage", "stats"};
stream items: one {"index", "png", "width", "height", "finish_reason"} per sample, then {"usage"}.

Sample i of a request draws from its own generator seeded by (seed, i), so a seeded request
gives the same pixels every time, and sample i does not depend on n (diffusion models denoise a
request's samples as one batch: up to the float rounding of the batched network).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from kiln_trainer.data.images import encode_png, to_uint8

log = logging.getLogger("kiln.replica")
MAX_N = 64
MAX_GUIDANCE = 20.0


class ImageModel(Protocol):
    num_classes: int  # > 0: samples can be asked for a class in [0, num_classes)
    guidable: bool  # takes a classifier-free guidance scale (a class-conditional diffusion model)

    def sample_one(
        self, generator: torch.Generator, class_label: int | None = None, guidance_scale: float | None = None
    ) -> torch.Tensor:
        """One (C, R, R) image in [0, 1] drawn with `generator` (of class `class_label`, under
        classifier-free guidance `guidance_scale`, None meaning the model's default)."""
        ...


def check_class_label(model: ImageModel, label: int | None) -> str | None:
    """Why `label` cannot be asked of `model` (None when it can)."""
    if label is None:
        return None
    if not model.num_classes:
        return "the model is not class-conditional (its training data had no labels, or conditioning was off)"
    if not 0 <= label < model.num_classes:
        return f"must be in [0, {model.num_classes - 1}] for this model, got {label}"
    return None


def check_guidance(model: ImageModel, scale: float | None) -> str | None:
    """Why guidance `scale` cannot be asked of `model` (None when it can)."""
    if scale is None:
        return None
    if not model.guidable:
        return "only class-conditional diffusion models take a guidance scale"
    if not 0 <= scale <= MAX_GUIDANCE:
        return f"must be in [0, {MAX_GUIDANCE:g}], got {scale}"
    return None


def _labels(class_label: int | None) -> torch.Tensor | None:
    return None if class_label is None else torch.tensor([class_label])


class _VAESampler:
    guidable = False

    def __init__(self, path: Path):
        from kiln_trainer.models.vae import load_vae

        self.model = load_vae(path)
        self.num_classes = self.model.shape.num_classes

    def sample_one(
        self, generator: torch.Generator, class_label: int | None = None, guidance_scale: float | None = None
    ) -> torch.Tensor:
        return self.model.sample(1, generator, _labels(class_label))[0]


class _GANSampler:
    guidable = False

    def __init__(self, path: Path):
        from kiln_trainer.models.gan import load_generator

        self.model = load_generator(path)
        self.num_classes = self.model.shape.num_classes

    def sample_one(
        self, generator: torch.Generator, class_label: int | None = None, guidance_scale: float | None = None
    ) -> torch.Tensor:
        return self.model.sample(1, generator, _labels(class_label))[0]


class _DDPMSampler:
    def __init__(self, path: Path):
        from kiln_trainer.models.ddpm import load_unet

        self.model = load_unet(path)
        self.num_classes = self.model.shape.num_classes
        self.guidable = self.num_classes > 0

    def sample_one(
        self, generator: torch.Generator, class_label: int | None = None, guidance_scale: float | None = None
    ) -> torch.Tensor:
        return self.sample_each([generator], class_label, guidance_scale)[0]

    def sample_each(
        self, generators: list[torch.Generator], class_label: int | None = None, guidance_scale: float | None = None
    ) -> torch.Tensor:
        # One batch through the UNet's 50 denoising steps rather than 50 steps per image: a
        # batch-1 pass leaves most of the conv kernels' time to per-call overhead.
        labels = None if class_label is None else torch.full((len(generators),), class_label)
        scale = 1.0 if guidance_scale is None else guidance_scale
        return self.model.sample_each(generators, labels=labels, guidance_scale=scale)


_LOADERS: dict[str, type] = {"kiln-vae": _VAESampler, "kiln-gan": _GANSampler, "kiln-ddpm": _DDPMSampler}


def model_type(path: str | Path) -> str | None:
    """The config.json model_type of a model directory (None if it has none)."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return None
    try:
        return json.loads(config.read_text()).get("model_type")
    except (OSError, ValueError):
        return None


def is_image_model_dir(path: str | Path) -> bool:
    return model_type(path) in _LOADERS


def load_image_model(path: str | Path) -> ImageModel:
    kind = model_type(path)
    if kind not in _LOADERS:
        raise ValueError(f"{path} is not an image model directory (model_type {kind!r})")
    return _LOADERS[kind](Path(path))


def sample_seed(seed: int, index: int) -> int:
    """The generator seed of sample `index` of a request seeded `seed` (fits torch's 64 bits)."""
    return (seed * 1_000_003 + index) % (2**63)


@torch.no_grad()
def sample_floats(
    model: ImageModel,
    seed: int,
    indices: range,
    class_label: int | None = None,
    guidance_scale: float | None = None,
) -> torch.Tensor:
    """(len(indices), C, R, R) floats in [0, 1]; sample i from generator sample_seed(seed, i).

    A model with `sample_each` (diffusion) denoises the samples as one batch, each from its
    own generator: the same request gives the same pixels, and sample i shows the same image
    whatever n (exactly, unless the batched network's float rounding flips a grey level).
    """
    generators = [torch.Generator().manual_seed(sample_seed(seed, i)) for i in indices]
    each = getattr(model, "sample_each", None)
    if each is not None:
        return each(generators, class_label, guidance_scale)
    return torch.stack([model.sample_one(g, class_label, guidance_scale) for g in generators])


@torch.no_grad()
def sample_images(
    model: ImageModel, n: int, seed: int, class_label: int | None = None, guidance_scale: float | None = None
) -> np.ndarray:
    """(n, R, R, C) uint8 pixels; sample i from generator sample_seed(seed, i)."""
    return to_uint8(sample_floats(model, seed, range(n), class_label, guidance_scale).numpy())


class ImageReplica:
    def __init__(self, model: str, model_version: str, max_batch: int = 32, max_queue: int = 64):
        started = time.monotonic()
        self.model_version = model_version
        self.model = load_image_model(model)
        self._lock = threading.Lock()  # one sampling pass at a time: torch uses every core already
        log.info("image replica ready", extra={"model": model, "load_s": round(time.monotonic() - started, 2)})

    def _sample(self, request: dict) -> list[dict]:
        n = int(request.get("n") or 1)
        params = request.get("params") or {}
        seed = params.get("seed")
        seed = secrets.randbits(62) if seed is None else int(seed)
        with self._lock:
            pixels = sample_images(self.model, n, seed, params.get("class_label"), params.get("guidance_scale"))
        return [
            {
                "index": i,
                "png": encode_png(img),
                "width": int(img.shape[1]),
                "height": int(img.shape[0]),
                "finish_reason": "STOP",
            }
            for i, img in enumerate(pixels)
        ]

    async def generate(self, request: dict) -> dict:
        if not 1 <= int(request.get("n") or 1) <= MAX_N:
            return {"error": {"code": "INVALID_ARGUMENT", "field": "n", "message": f"n must be in [1, {MAX_N}]"}}
        params = request.get("params") or {}
        for field, why in (
            ("params.class_label", check_class_label(self.model, params.get("class_label"))),
            ("params.guidance_scale", check_guidance(self.model, params.get("guidance_scale"))),
        ):
            if why is not None:
                return {"error": {"code": "INVALID_ARGUMENT", "field": field, "message": why}}
        completions = await asyncio.to_thread(self._sample, request)
        return {
            "completions": completions,
            "usage": {"prompt_tokens": 0, "completion_tokens": 0},
            "stats": {"model_version": self.model_version},
        }

    async def stream(self, request: dict) -> AsyncIterator[dict]:
        result = await self.generate(request)
        if "error" in result:
            yield result
            return
        for item in result["completions"]:
            yield item
        yield {"usage": result["usage"], "stats": result["stats"]}

    def stats(self) -> dict:
        return {"model_version": self.model_version}
