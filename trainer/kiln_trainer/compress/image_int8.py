"""Int8 weight-only quantization of image model directories (VAE, GAN generator, DDPM UNet).

Every weight tensor of two or more dimensions (convolution, transposed convolution and linear
weights: nearly all the bytes) is stored as int8 with one float32 scale per slice along its first
dimension (symmetric, scale = max |w| / 127). Biases and norm parameters stay float32. Loading
(`load_state`, used by every image model loader) dequantizes to float32 once, so sampling runs
the float kernels on rounded weights: the file shrinks about 4x and the images change by the
rounding alone, which `quantize_image_model` reports as the FID change on the held-out digits.
The LM path (compress/quantize.py) swaps in int8 matmul modules instead; for 8x8 convolutions
that would buy no speed, and torch has no int8 transposed convolution on CPU.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"
SCALE = ".int8_scale"  # suffix of the scale tensor stored beside each quantized weight
INT8 = "int8"


def quantize_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for name, w in state.items():
        if w.ndim < 2 or not w.is_floating_point():
            out[name] = w.contiguous()
            continue
        flat = w.float().reshape(w.shape[0], -1)
        scale = flat.abs().amax(dim=1).clamp_min(1e-12) / 127.0  # (out,)
        q = torch.round(flat / scale[:, None]).clamp(-127, 127).to(torch.int8)
        out[name] = q.reshape(w.shape).contiguous()
        out[name + SCALE] = scale.contiguous()
    return out


def dequantize_state(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for name, t in tensors.items():
        if name.endswith(SCALE):
            continue
        scale = tensors.get(name + SCALE)
        if scale is None:
            out[name] = t
        else:
            out[name] = (t.float().reshape(t.shape[0], -1) * scale[:, None]).reshape(t.shape)
    return out


def load_state(model_dir: str | Path) -> dict[str, torch.Tensor]:
    """The float state dict of an image model directory, quantized or not."""
    return dequantize_state(load_file(str(Path(model_dir) / WEIGHTS)))


def read_config(model_dir: str | Path, model_type: str) -> dict[str, Any]:
    """config.json without model_type and quantization (what the Shape dataclasses take)."""
    config = json.loads((Path(model_dir) / "config.json").read_text())
    if config.pop("model_type", None) != model_type:
        raise ValueError(f"{model_dir} is not a {model_type} model directory")
    config.pop("quantization", None)
    return config


def quantize_image_model(src: str | Path, dst: str | Path, fid_samples: int = 500, seed: int = 0) -> dict[str, Any]:
    """Write the int8 copy of image model `src` to `dst`; report sizes and FID before and after
    (the same seeded samples of each, against the held-out digits)."""
    from kiln_trainer.eval import images as E
    from kiln_trainer.eval.image_run import generate
    from kiln_trainer.inference.images import load_image_model

    src, dst = Path(src), Path(dst)
    config = json.loads((src / "config.json").read_text())
    if config.get("quantization"):
        raise ValueError(f"{src} is already quantized ({config['quantization']})")
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.name not in ("config.json", WEIGHTS):
            shutil.copy2(f, dst / f.name)
    save_file(quantize_state(load_file(str(src / WEIGHTS))), str(dst / WEIGHTS))
    (dst / "config.json").write_text(json.dumps({**config, "quantization": INT8}, indent=1))

    real = E.heldout_images(int(config["resolution"]))

    def fid_of(path: Path) -> float:
        return E.fid(real, generate(load_image_model(path), fid_samples, seed, lambda _k: None))

    before, after = fid_of(src), fid_of(dst)
    size_before, size_after = (src / WEIGHTS).stat().st_size, (dst / WEIGHTS).stat().st_size
    return {
        "quantization": INT8,
        "fid_before": before,
        "fid_after": after,
        "original_size_bytes": size_before,
        "size_bytes": size_after,
        "size_ratio": size_after / size_before,
    }
