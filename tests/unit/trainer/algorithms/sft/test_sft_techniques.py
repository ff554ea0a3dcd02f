"""SFT with the data and loss techniques: adversarial training reports clean and adversarial
losses; a difficulty curriculum needs the field; dropout on a model without kiln-gpt is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from kiln_trainer.algorithms.sft import train
from kiln_trainer.context import LocalContext
from kiln_trainer.errors import ConfigError
from tests.unit.trainer.algorithms.sft.test_sft import demo_path, small  # noqa: F401 (demo_path: fixture)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_pgd_adversarial_training_reports_clean_and_adversarial_loss(demo_path, tmp_path):  # noqa: F811
    ctx = LocalContext(tmp_path)
    cfg = small(demo_path, max_steps=2, log_every=1, adversarial="pgd", adversarial_epsilon=0.05, adversarial_steps=2)
    train(cfg, ctx)
    reports = [m for _, m in ctx.metrics if "loss" in m]
    assert all(m["adversarial_loss"] > m["clean_loss"] for m in reports)
    assert all(m["loss"] == pytest.approx(0.5 * (m["clean_loss"] + m["adversarial_loss"])) for m in reports)


def test_a_difficulty_curriculum_orders_by_the_records_field(demo_path, tmp_path):  # noqa: F811
    lines = [json.loads(x) for x in Path(demo_path).read_text().splitlines()[:40]]
    no_field = tmp_path / "plain.jsonl"
    no_field.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    with pytest.raises(ConfigError) as e:
        train(small(str(no_field), max_steps=1, curriculum="difficulty"), LocalContext(tmp_path / "a"))
    assert e.value.field == "curriculum"
    scored = tmp_path / "scored.jsonl"
    scored.write_text("\n".join(json.dumps(r | {"difficulty": i % 5}) for i, r in enumerate(lines)) + "\n")
    ctx = LocalContext(tmp_path / "b")
    train(small(str(scored), max_steps=4, log_every=1, curriculum="difficulty", val_fraction=0.0), ctx)
    shares = [m["curriculum_share"] for _, m in ctx.metrics if "curriculum_share" in m]
    assert shares == sorted(shares) and shares[0] == pytest.approx(0.25) and shares[-1] == 1.0


def test_a_self_paced_curriculum_orders_by_the_models_own_loss(demo_path, tmp_path):  # noqa: F811
    from kiln_trainer.algorithms.sft.trainer import SFTTrainer
    from kiln_trainer.losses import sft_example_losses, sft_loss

    cfg = small(demo_path, max_steps=2, curriculum="loss", curriculum_rescore_every=50, packing=False)
    trained = SFTTrainer(cfg, LocalContext(tmp_path / "a"))
    trained.run()
    assert trained.scored_at == 0  # scored once, at the first step
    fresh = SFTTrainer(cfg, LocalContext(tmp_path / "b"))
    fresh.setup()  # the same seeded initial model and data, untrained
    losses = fresh._example_losses(fresh.train_examples)
    order = [unit[0] for unit in trained.sampler.units]
    assert [losses[i] for i in order] == sorted(losses)  # easiest (lowest loss) first
    # The per-example losses are the per-row means of the batch loss.
    batch = fresh.val_batches[0]
    with torch.no_grad():
        logits = fresh.logits(fresh.module, batch)
    total, n = sft_loss(logits, batch.labels)
    rows = sft_example_losses(logits, batch.labels)
    counts = (batch.labels[:, 1:] != -100).sum(1)
    assert float((rows * counts).sum()) == pytest.approx(float(total), rel=1e-5) and int(counts.sum()) == int(n)
