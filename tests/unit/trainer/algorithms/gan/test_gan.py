"""The GAN trainer's mechanics on digits: each loss reports its metrics, TTUR learning rates,
n_critic discriminator steps per job step, the EMA generator is what gets saved."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from kiln_trainer.algorithms.gan import train
from kiln_trainer.algorithms.gan.trainer import GANTrainer
from kiln_trainer.configs.images import GANConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.inference.images import ImageReplica


@pytest.fixture(scope="module")
def digits_path(tmp_path_factory):
    return str(digits.write_jsonl(tmp_path_factory.mktemp("d") / "digits.jsonl"))


def config(path: str, **kw) -> GANConfig:
    base: dict[str, Any] = dict(
        train_path=path, max_steps=4, batch_size=16, base_channels=8, latent_dim=8, log_every=2, warmup_steps=0
    )
    return GANConfig(**(base | kw))


@pytest.mark.parametrize(("loss", "extra"), [("bce", set()), ("hinge", set()), ("wgan_gp", {"gp"})])
def test_each_loss_reports_both_players(digits_path, tmp_path, loss, extra):
    torch.set_num_threads(1)
    ctx = LocalContext(tmp_path)
    result = train(config(digits_path, loss=loss, n_critic=2 if loss == "wgan_gp" else 1), ctx)
    reports = [m for _, m in ctx.metrics if "d_loss" in m]  # training reports, not the mode monitor's
    assert {"d_loss", "g_loss", "d_real", "d_fake"} | extra <= set(reports[-1])
    if loss == "bce":
        assert 0 < reports[-1]["d_real"] < 1  # a probability for BCE
    assert result.family == "image" and "samples.png" in result.artifacts


def test_ttur_n_critic_and_ema(digits_path, tmp_path):
    torch.set_num_threads(1)
    cfg = config(
        digits_path,
        n_critic=3,
        generator_learning_rate=1e-4,
        discriminator_learning_rate=4e-4,
        ema_decay=0.5,
        max_steps=2,
    )
    trainer = GANTrainer(cfg, LocalContext(tmp_path))
    trainer.setup()
    trainer.start()
    assert [g["lr"] for g in trainer.optimizers["generator"].param_groups] == [1e-4]
    assert [g["lr"] for g in trainer.optimizers["discriminator"].param_groups] == [4e-4]
    d_steps = []
    original = trainer.optimizer_step
    trainer.optimizer_step = lambda name="model": (d_steps.append(name), original(name))[1]
    trainer.train_step()
    assert d_steps == ["discriminator"] * 3 + ["generator"]
    g, ema = trainer.module.generator, trainer.module.ema
    p, e = next(g.parameters()), next(ema.parameters())
    assert not torch.equal(p, e) and not e.requires_grad  # the EMA lags the trained weights


def test_the_saved_generator_samples_seeded_pngs(digits_path, tmp_path):
    torch.set_num_threads(1)
    result = train(config(digits_path, max_steps=2), LocalContext(tmp_path))
    import asyncio

    replica = ImageReplica(str(result.model_dir), "v")
    a = asyncio.run(replica.generate({"params": {"seed": 1}, "n": 2}))
    b = asyncio.run(replica.generate({"params": {"seed": 1}, "n": 2}))
    assert [c["png"] for c in a["completions"]] == [c["png"] for c in b["completions"]]


def test_the_mode_collapse_monitor_reports_coverage(digits_path, tmp_path, monkeypatch):
    from kiln_trainer.eval import images as E

    torch.set_num_threads(1)
    ctx = LocalContext(tmp_path)
    trainer = GANTrainer(config(digits_path, max_steps=4, eval_every=2), ctx)
    # A generator collapsed onto one held-out "0": the monitor must say one class is covered.
    zero = E.heldout_images()[0:1]
    monkeypatch.setattr(trainer, "sample_images", lambda n, seed: zero.expand(n, -1, -1, -1).numpy())
    trainer.run()
    checks = [m for _, m in ctx.metrics if "class_coverage" in m]
    assert len(checks) == 2  # at step 2 and at the end
    assert checks[-1]["class_coverage"] == 1.0
    assert checks[-1]["class_kl"] == pytest.approx(-torch.log(torch.tensor(0.1)).item(), rel=0.05)  # ~log 10
    assert any("mode collapse" in line for line in ctx.logs)
