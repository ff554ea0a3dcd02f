"""The techniques through the Trainer base, on the toy regression of test_trainer.py: what every
method gets from its config (L-BFGS's closure, Sophia's Hessian graph, L1, early stopping's
min_delta, the job-start line naming the choices)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from kiln_trainer.context import LocalContext
from tests.unit.trainer.training.test_trainer import Regression, ToyConfig, config, run

pytestmark = pytest.mark.usefixtures("one_thread")


@dataclass(kw_only=True)
class SparseConfig(ToyConfig):
    n: int = 64


class SparseRegression(Regression):
    """16 features of which only 2 matter: the L1 penalty should zero the other 14 exactly."""

    def build_model(self) -> nn.Module:
        torch.manual_seed(0)
        return nn.Linear(16, 1)

    def load_data(self) -> None:
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(self.cfg.n, 16, generator=g)
        self.y = 2.0 * self.x[:, 0] - 1.5 * self.x[:, 1] + 0.1 * torch.randn(self.cfg.n, generator=g)
        self.steps_per_epoch = self.cfg.n // sum(self.cfg.split)


class Patient(Regression):
    def early_stopping_patience(self) -> int | None:
        return 1

    def early_stopping_min_delta(self) -> float:
        return self.cfg.weight_decay  # borrowed as the knob of this toy (SFT has its own field)


def test_l1_penalty_drives_irrelevant_weights_to_exact_zeros(tmp_path):
    kw = {"learning_rate": 0.05, "max_steps": 200, "warmup_steps": 0, "log_every": 50, "eval_every": 100}
    plain, _ = run(SparseRegression, SparseConfig(**kw), LocalContext(tmp_path / "plain"))
    sparse, _ = run(SparseRegression, SparseConfig(l1_penalty=0.5, **kw), LocalContext(tmp_path / "l1"))
    w_plain, w_sparse = plain.module.weight[0].detach(), sparse.module.weight[0].detach()
    assert int((w_plain == 0).sum()) == 0
    assert int((w_sparse[2:] == 0).sum()) >= 12  # irrelevant features: exactly zero
    assert w_sparse[0] > 1.5 and w_sparse[1] < -1.0  # the relevant ones survive


def test_lbfgs_takes_closure_steps_and_reports_once_per_step(tmp_path):
    ctx = LocalContext(tmp_path / "lbfgs")
    _, lbfgs = run(Regression, config(optimizer="lbfgs", learning_rate=1.0, max_steps=3), ctx)
    _, adamw = run(Regression, config(max_steps=3), LocalContext(tmp_path / "adamw"))
    assert lbfgs["val_loss"] < 0.05 < adamw["val_loss"]  # least squares solved in a few steps
    train = [m for _, m in ctx.metrics if "loss" in m]
    assert len(train) == 3 and train[0]["rows_per_s"] > 0
    assert any(line.startswith("optimizer lbfgs; lr 1, schedule cosine") for line in ctx.logs)


def test_sophia_estimates_the_hessian_inside_the_trainer(tmp_path):
    ctx = LocalContext(tmp_path)
    trainer, metrics = run(
        Regression, config(optimizer="sophia", hessian_update_interval=2, learning_rate=0.5, max_steps=8), ctx
    )
    hessian = trainer.optimizers["model"].state[trainer.module.weight]["hessian_moment"]
    assert float(hessian.min()) > 0  # x^T x / n: a positive diagonal
    first = next(m for _, m in ctx.metrics if "loss" in m)["loss"]
    assert metrics["train_loss"] < 0.5 * first


def test_sgd_nesterov_and_a_step_schedule_are_named_at_the_start(tmp_path):
    ctx = LocalContext(tmp_path)
    cfg = config(optimizer="sgd", momentum=0.9, nesterov=True, learning_rate=0.05, lr_schedule="step", lr_step_size=3)
    run(Regression, cfg, ctx)
    line = next(x for x in ctx.logs if x.startswith("optimizer"))
    assert line == (
        "optimizer sgd (momentum=0.9, nesterov=True); lr 0.05, schedule step, warmup 2; regularization none"
    )
    lrs = [m["lr"] for _, m in ctx.metrics if "lr" in m]
    assert lrs == pytest.approx([0.025, 0.05, 0.05, 0.05, 0.05, 0.005, 0.005, 0.005])


def test_early_stopping_min_delta_ignores_small_improvements(tmp_path):
    # Every evaluation improves the toy's val loss a little; a min_delta above that stops the
    # run at the second evaluation (patience 1) and restores the first one's weights.
    ctx = LocalContext(tmp_path / "strict")
    trainer, metrics = run(Patient, config(eval_every=2, max_steps=8, weight_decay=10.0), ctx)
    assert trainer.step == 4 and metrics["best_val_loss"] == ctx.metrics[2][1]["val_loss"]
    loose, _ = run(Patient, config(eval_every=2, max_steps=8), LocalContext(tmp_path / "loose"))
    assert loose.step == 8


class KeepLast(Patient):
    def restore_best(self) -> bool:
        return False


def test_without_restore_best_the_last_weights_are_kept(tmp_path):
    cfg = config(eval_every=2, max_steps=8, weight_decay=10.0)
    best, _ = run(Patient, cfg, LocalContext(tmp_path / "best"))
    last, _ = run(KeepLast, cfg, LocalContext(tmp_path / "last"))
    assert best.step == last.step == 4 and last.best_weights is None
    # Both stopped after step 4; only the first went back to step 2's weights.
    assert not torch.equal(best.module.weight, last.module.weight)


class FlatValidation(Regression):
    """A validation loss that never improves: reduce-on-plateau must cut the lr each time."""

    def compute_loss(self, module: nn.Module, batch, split: str):
        loss, metrics = super().compute_loss(module, batch, split)
        return (loss if split == "train" else loss.detach() * 0 + 1.0), metrics


def test_reduce_on_plateau_follows_the_validation_loss(tmp_path):
    ctx = LocalContext(tmp_path)
    cfg = config(lr_schedule="reduce_on_plateau", plateau_patience=1, plateau_factor=0.5, warmup_steps=0, eval_every=2)
    run(FlatValidation, cfg, ctx)
    lrs = [m["lr"] for _, m in ctx.metrics if "lr" in m]
    # Evaluations after steps 2, 4, 6, 8: the first sets the best, each later one halves the lr
    # from the very next step (the cut after the last step changes nothing).
    assert lrs == pytest.approx([0.5] * 4 + [0.25] * 2 + [0.125] * 2)
    assert sum("validation loss plateaued" in line for line in ctx.logs) == 3


class Deep(Regression):
    """Two Linear layers, so spectral normalisation has a matrix with several singular values."""

    def build_model(self) -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))

    def save_model(self, model_dir) -> None:
        model_dir.mkdir(parents=True)
        torch.save(self.module.state_dict(), model_dir / "model.pt")


def test_spectral_norm_keeps_every_layer_at_unit_spectral_norm_and_saves_plain_weights(tmp_path):
    plain, _ = run(Deep, config(learning_rate=0.1, max_steps=20), LocalContext(tmp_path / "plain"))
    normed, _ = run(Deep, config(learning_rate=0.1, max_steps=20, spectral_norm=True), LocalContext(tmp_path / "sn"))
    saved = torch.load(tmp_path / "sn" / "model" / "model.pt", weights_only=True)
    assert set(saved) == {"0.weight", "0.bias", "1.weight", "1.bias"}  # parametrizations removed
    for key in ("0.weight", "1.weight"):
        assert torch.linalg.matrix_norm(saved[key], ord=2).item() == pytest.approx(1.0, abs=0.02)
    # Without it the regression grows its weights to fit y (coefficients up to 3).
    assert max(torch.linalg.matrix_norm(layer.weight, ord=2).item() for layer in plain.module) > 1.2
