"""DISTILL: a short real run in which the student moves toward the teacher."""

from __future__ import annotations

import pytest
import torch

from kiln_trainer.algorithms.distill import DistillConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import demo_sft_records, write_jsonl
from kiln_trainer.models.loader import load_causal_lm

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "train.jsonl"
    write_jsonl(demo_sft_records(64, seed=3), path)
    return str(path)


def cfg(data, **kw) -> DistillConfig:
    base = dict(
        base_model="kiln-gpt-tiny",
        train_path=data,
        teacher_model="kiln-gpt-tiny",
        max_steps=12,
        batch_size=4,
        max_seq_len=64,
        eval_every=6,
        checkpoint_every=100,
        log_every=4,
        warmup_steps=2,
        learning_rate=3e-3,
    )
    base.update(kw)
    return DistillConfig(**base)


def _kl_to_teacher(student, teacher, ids: torch.Tensor) -> float:
    with torch.no_grad():
        s = torch.log_softmax(student.logits(ids), -1)
        t = torch.log_softmax(teacher.logits(ids), -1)
    return float((t.exp() * (t - s)).sum(-1).mean())


def test_student_moves_toward_teacher(data, tmp_path):
    # Teacher and student share the architecture but not the init (seed), so they start apart;
    # pure soft targets (alpha=1) must shrink the KL between them.
    teacher = load_causal_lm("kiln-gpt-tiny", seed=0)
    student_init = load_causal_lm("kiln-gpt-tiny", seed=1)
    init_dir = student_init.save(tmp_path / "student-init")
    teacher_dir = teacher.save(tmp_path / "teacher")
    ids = torch.tensor([teacher.tokenizer.encode("Reverse the word: light\nthgil")])
    before = _kl_to_teacher(student_init, teacher, ids)
    result = train(
        cfg(data, base_model=str(init_dir), teacher_model=str(teacher_dir), alpha=1.0), LocalContext(tmp_path / "work")
    )
    after = _kl_to_teacher(load_causal_lm(str(result.model_dir)), teacher, ids)
    assert after < 0.7 * before, (before, after)
    assert result.metrics["steps"] == 12 and "best_val_loss" in result.metrics
