"""SFT with the data and loss techniques: adversarial training reports clean and adversarial
losses; a difficulty curriculum needs the field; dropout on a model without kiln-gpt is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
