"""The Trainer base on a model that is not a language model: linear regression on (x, y) tensor
batches. What every method relies on: accumulation weights, resume, several optimizers, reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

from kiln_trainer.configs.base import TrainingArguments
from kiln_trainer.context import LocalContext
from kiln_trainer.errors import TrainingCancelled
from kiln_trainer.training.trainer import Metrics, Trainer

pytestmark = pytest.mark.usefixtures("one_thread")


@dataclass(kw_only=True)
class ToyConfig(TrainingArguments):
    n: int = 32  # rows of data
    split: Sequence[int] = (8,)  # rows per micro-batch of every step


@dataclass
class XY:
    x: torch.Tensor  # (B, 4)
    y: torch.Tensor  # (B,)

    def to(self, device: torch.device) -> XY:
        return XY(self.x.to(device), self.y.to(device))


class Regression(Trainer[ToyConfig]):
    title = "Regression"
    unit = "rows"

    def build_model(self) -> nn.Module:
        torch.manual_seed(0)
        return nn.Linear(4, 1)

    def load_data(self) -> None:
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(self.cfg.n, 4, generator=g)
        self.y = self.x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(self.cfg.n, generator=g)
        self.steps_per_epoch = self.cfg.n // sum(self.cfg.split)

    def step_batches(self, step: int) -> list[XY]:
        start = (step % self.steps_per_epoch) * sum(self.cfg.split)
        out = []
        for size in self.cfg.split:
            out.append(XY(self.x[start : start + size], self.y[start : start + size]))
            start += size
        return out

    def has_validation(self) -> bool:
        return True

    def eval_batches(self) -> list[XY]:
        return [XY(self.x[:5], self.y[:5]), XY(self.x[5:6], self.y[5:6])]

    def batch_weight(self, batch: XY) -> float:
        return len(batch.y)

    def compute_loss(self, module: nn.Module, batch: XY, split: str) -> tuple[torch.Tensor, Metrics]:
        err = module(batch.x).squeeze(-1) - batch.y
        return (err**2).mean(), {"abs_error": err.abs().mean().detach()}

    def save_model(self, model_dir: Path) -> None:
        model_dir.mkdir(parents=True)
        torch.save(self.module.state_dict(), model_dir / "model.pt")


class TwoOptimizers(Regression):
    """Weight and bias stepped by separate optimizers, as a GAN steps generator and discriminator."""

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            "weight": torch.optim.Adam([self.module.weight], lr=self.cfg.learning_rate),
            "bias": torch.optim.SGD([self.module.bias], lr=self.cfg.learning_rate, momentum=0.9),
        }

    def train_step(self) -> None:
        self.accumulate(self.step_batches(self.step))
        self.optimizer_step("weight")
        self.optimizer_step("bias")


def config(**kw) -> ToyConfig:
    return ToyConfig(
        **({"learning_rate": 0.5, "warmup_steps": 2, "max_steps": 8, "log_every": 1, "eval_every": 3} | kw)
    )


def run(cls: type[Regression], cfg: ToyConfig, ctx: LocalContext) -> tuple[Regression, dict[str, float]]:
    trainer = cls(cfg, ctx)
    return trainer, trainer.run().metrics


def test_uneven_micro_batches_give_the_update_of_one_batch(tmp_path):
    whole, _ = run(Regression, config(), LocalContext(tmp_path / "whole"))
    split, _ = run(Regression, config(split=(3, 3, 2)), LocalContext(tmp_path / "split"))
    for a, b in zip(whole.module.parameters(), split.module.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_reports_and_result(tmp_path):
    ctx = LocalContext(tmp_path)
    _, metrics = run(Regression, config(), ctx)
    train = [m for _, m in ctx.metrics if "loss" in m]
    assert len(train) == 8 and set(train[0]) == {"loss", "abs_error", "grad_norm", "lr", "epoch", "rows_per_s"}
    assert train[0]["epoch"] == 0.25 and train[0]["lr"] == pytest.approx(0.25)
    val = [(s, m) for s, m in ctx.metrics if "val_loss" in m]
    assert [s for s, _ in val] == [3, 6, 8] and set(val[0][1]) == {"val_loss", "val_abs_error"}
    assert train[-1]["loss"] < 0.2 * train[0]["loss"]
    assert metrics["train_loss"] == train[-1]["loss"] and metrics["val_loss"] == val[-1][1]["val_loss"]
    assert metrics["best_val_loss"] == min(m["val_loss"] for _, m in val) and metrics["steps"] == 8
    assert (tmp_path / "model" / "model.pt").is_file() and "loss_curve.png" in ctx.artifacts


def test_validation_is_a_mean_over_items_not_batches(tmp_path):
    trainer, _ = run(Regression, config(max_steps=1), LocalContext(tmp_path))
    with torch.no_grad():
        expected = float(((trainer.module(trainer.x[:6]).squeeze(-1) - trainer.y[:6]) ** 2).mean())
    assert trainer.last_val["val_loss"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("cls", [Regression, TwoOptimizers])
def test_cancel_then_resume_matches_an_uninterrupted_run(cls, tmp_path):
    cfg = config(checkpoint_every=2)
    whole, expected = run(cls, cfg, LocalContext(tmp_path / "whole"))
    first = LocalContext(tmp_path / "first", stop_after_step=4)
    with pytest.raises(TrainingCancelled):
        run(cls, cfg, first)
    assert sorted(first.checkpoints) == [2, 4]
    second = LocalContext(tmp_path / "second", checkpoints={4: first.checkpoints[4]})
    resumed, metrics = run(cls, cfg, second)
    assert any("resumed from checkpoint at step 4 (epoch 1, step 0 within it)" in line for line in second.logs)
    assert second.metrics[0][0] == 5
    assert metrics == pytest.approx(expected, rel=1e-6)
    for a, b in zip(whole.module.parameters(), resumed.module.parameters(), strict=True):
        torch.testing.assert_close(a, b)


class TwoObjectives(Regression):
    """A second objective accumulated under its own name, as a GAN's generator loss."""

    def train_step(self) -> None:
        micro = self.step_batches(self.step)
        self.accumulate(micro)
        self.optimizer_step()
        self.accumulate(micro, self.shrink_loss, name="shrink_loss")
        self.optimizer_step()

    def shrink_loss(self, module: nn.Module, batch: XY, split: str) -> tuple[torch.Tensor, Metrics]:
        loss = 0.01 * module.weight.square().sum()
        self.last_shrink = float(loss.detach())
        return loss, {}


def test_a_second_objective_is_reported_under_its_name(tmp_path):
    ctx = LocalContext(tmp_path)
    trainer, metrics = run(TwoObjectives, config(max_steps=2), ctx)
    assert {"loss", "shrink_loss"} <= set(ctx.metrics[0][1])
    assert metrics["train_shrink_loss"] == pytest.approx(trainer.last_shrink)


def test_two_optimizers_step_their_own_parameters(tmp_path):
    ctx = LocalContext(tmp_path)
    run(TwoOptimizers, config(max_steps=2), ctx)
    assert {"weight_grad_norm", "bias_grad_norm"} <= set(ctx.metrics[0][1])
    assert "grad_norm" not in ctx.metrics[0][1]
