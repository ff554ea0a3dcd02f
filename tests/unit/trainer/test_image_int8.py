"""Int8 weight-only quantization of image models: the rounding bound, the loaders read the
quantized directory, the file shrinks about 4x and the report carries the FID change."""

from __future__ import annotations

import json

import pytest
import torch

from kiln_trainer.compress.image_int8 import dequantize_state, quantize_image_model, quantize_state
from kiln_trainer.inference.images import load_image_model, sample_images
from kiln_trainer.models.gan import GANShape, Generator, save_generator


def test_rounding_stays_within_half_a_step_per_output_channel():
    g = torch.Generator().manual_seed(0)
    state = {
        "conv.weight": torch.randn(6, 3, 3, 3, generator=g) * torch.arange(1, 7).view(6, 1, 1, 1),
        "b": torch.randn(6),
    }
    q = quantize_state(state)
    assert q["conv.weight"].dtype == torch.int8 and q["b"].dtype == torch.float32  # biases stay float
    back = dequantize_state(q)
    assert set(back) == set(state) and torch.equal(back["b"], state["b"])
    step = state["conv.weight"].abs().amax(dim=(1, 2, 3)) / 127  # per output channel
    err = (back["conv.weight"] - state["conv.weight"]).abs().amax(dim=(1, 2, 3))
    assert (err <= step / 2 + 1e-7).all()
    zero = dequantize_state(quantize_state({"w": torch.zeros(2, 2)}))["w"]
    assert torch.equal(zero, torch.zeros(2, 2))


def test_an_int8_generator_loads_samples_and_reports_the_fid_change(tmp_path):
    torch.manual_seed(0)
    save_generator(Generator(GANShape(8, 1, 8, 16)).eval(), tmp_path / "gan")
    report = quantize_image_model(tmp_path / "gan", tmp_path / "int8", fid_samples=64)
    assert json.loads((tmp_path / "int8" / "config.json").read_text())["quantization"] == "int8"
    assert report["size_ratio"] < 0.35 and report["fid_before"] > 0
    assert report["fid_after"] == pytest.approx(report["fid_before"], rel=0.1)  # rounding moves images a little
    a = sample_images(load_image_model(tmp_path / "gan"), 4, 3).astype(int)
    b = sample_images(load_image_model(tmp_path / "int8"), 4, 3).astype(int)
    assert 0 < abs(a - b).max() <= 64  # close, not identical
    with pytest.raises(ValueError, match="already quantized"):
        quantize_image_model(tmp_path / "int8", tmp_path / "again")
