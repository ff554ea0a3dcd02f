"""fp16 mixed precision with a gradient scaler: it trains, and the scaler skips overflowing steps."""

import math

import pytest
import torch

from kiln_trainer.algorithms.sft import SFTConfig
from kiln_trainer.algorithms.sft.trainer import SFTTrainer
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import demo_sft_records, write_jsonl
from kiln_trainer.errors import ConfigError
from kiln_trainer.training.precision import autocast, autocast_dtype, grad_scaler

pytestmark = pytest.mark.usefixtures("one_thread")

CPU = torch.device("cpu")


def test_precision_settings_pick_the_autocast_dtype_and_the_scaler():
    assert autocast_dtype("fp16", CPU) == torch.float16 and grad_scaler("fp16", CPU) is not None
    assert autocast_dtype("bf16", CPU) == torch.bfloat16 and grad_scaler("bf16", CPU) is None
    assert autocast_dtype("auto", CPU) is None and autocast_dtype("fp32", CPU) is None
    with autocast(torch.float16, CPU):
        assert torch.nn.Linear(2, 2)(torch.ones(1, 2)).dtype == torch.float16


def test_fp16_is_refused_with_second_order_optimizers():
    with pytest.raises(ConfigError) as e:
        SFTConfig(base_model="kiln-gpt-tiny", train_path="t.jsonl", precision="fp16", optimizer="lbfgs")
    assert e.value.field == "precision" and "lbfgs" in e.value.message


def test_fp16_sft_trains_and_the_scaler_skips_a_step_with_inf_gradients(tmp_path, monkeypatch):
    path = tmp_path / "d.jsonl"
    write_jsonl(demo_sft_records(40, seed=2), path)
    cfg = SFTConfig(
        base_model="kiln-gpt-tiny",
        train_path=str(path),
        batch_size=4,
        max_seq_len=48,
        learning_rate=3e-3,
        warmup_steps=0,
        max_steps=12,
        log_every=1,
        val_fraction=0.0,
        precision="fp16",
    )
    ctx = LocalContext(tmp_path / "run")
    trainer = SFTTrainer(cfg, ctx)
    scaler = trainer.scaler
    assert scaler is not None
    before: list[torch.Tensor] = []
    scales: list[float] = []  # the loss scale after each step
    inject_at = 6
    real_accumulate = trainer.accumulate

    def accumulate(micro, *args, **kw):
        loss = real_accumulate(micro, *args, **kw)
        if trainer.step == inject_at:  # an overflow: one gradient holds inf
            next(p for p in trainer.module.parameters() if p.grad is not None).grad.view(-1)[0] = math.inf
            before[:] = [p.detach().clone() for p in trainer.module.parameters()]
        return loss

    real_step = trainer.optimizer_step

    def optimizer_step(*args, **kw):
        real_step(*args, **kw)
        scales.append(scaler.get_scale())
        if trainer.step == inject_at:  # the skipped step left every weight as it was
            assert all(torch.equal(a, b) for a, b in zip(before, trainer.module.parameters(), strict=True))

    monkeypatch.setattr(trainer, "accumulate", accumulate)
    monkeypatch.setattr(trainer, "optimizer_step", optimizer_step)
    trainer.run()
    assert any("fp16 autocast" in line for line in ctx.logs)
    losses = [m["loss"] for _, m in ctx.metrics if "loss" in m]
    assert len(losses) == 12 and all(math.isfinite(x) for x in losses)
    assert sum(losses[-3:]) / 3 < losses[0] - 0.3  # it learns
    assert all(torch.isfinite(p).all() for p in trainer.module.parameters())
    assert scales[inject_at] == scales[inject_at - 1] / 2  # the overflow halved the scale
