"""The image replica's dict protocol: seeded PNGs, the same for the same seed, sample i
independent of n."""

from __future__ import annotations

import asyncio
import io

import torch
from PIL import Image

from kiln_trainer.inference.images import ImageReplica, is_image_model_dir
from kiln_trainer.models.vae import ConvVAE, VAEShape, save_vae


def test_seeded_requests_give_the_same_pngs(tmp_path):
    torch.manual_seed(0)
    save_vae(ConvVAE(VAEShape(8, 1, 4, 4, "bce")), tmp_path)
    assert is_image_model_dir(tmp_path) and not is_image_model_dir(tmp_path / "nothing")
    replica = ImageReplica(str(tmp_path), "v1")

    def run(n: int, seed: int) -> list[bytes]:
        out = asyncio.run(replica.generate({"prompt": "", "params": {"seed": seed}, "n": n}))
        return [c["png"] for c in out["completions"]]

    a = run(3, 5)
    assert a == run(3, 5) and a[:2] == run(2, 5) and a != run(3, 6)
    assert Image.open(io.BytesIO(a[0])).size == (8, 8)

    async def collect():
        return [item async for item in replica.stream({"params": {"seed": 5}, "n": 2})]

    items = asyncio.run(collect())
    assert [i["png"] for i in items[:2]] == a[:2] and "usage" in items[-1]
    assert "error" in asyncio.run(replica.generate({"params": {}, "n": 1000}))
