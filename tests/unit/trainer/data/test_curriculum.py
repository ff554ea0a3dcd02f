"""Curriculum pacing and text augmentation: the scheduled order and share, seeded per step."""

from __future__ import annotations

import random

import pytest

from kiln_trainer.data.curriculum import Augment, StepSampler, admitted_share
from kiln_trainer.data.tokenize import IGNORE, Example


def example(n_prompt: int, n_completion: int, base: int = 10) -> Example:
    ids = list(range(base, base + n_prompt + n_completion))
    return Example(ids, [IGNORE] * n_prompt + ids[n_prompt:])


def test_pacing_functions_grow_the_share_to_all_data_at_the_ramp():
    kw = {"start": 0.2, "ramp": 0.5}
    assert admitted_share(0.0, pacing="linear", **kw) == pytest.approx(0.2)
    assert admitted_share(0.25, pacing="linear", **kw) == pytest.approx(0.6)
    assert admitted_share(0.25, pacing="root", **kw) == pytest.approx(0.2 + 0.8 * 0.5**0.5)
    assert admitted_share(0.2, pacing="step", **kw) == pytest.approx(0.2 + 0.8 * 0.25)  # 0.4 of the ramp: stage 1
    for pacing in ("linear", "root", "step"):
        assert admitted_share(0.5, pacing=pacing, **kw) == 1.0 and admitted_share(0.9, pacing=pacing, **kw) == 1.0


def sampler(examples, scores, **kw) -> StepSampler:
    settings = {"packing": False, "batch_size": 4, "max_seq_len": 64, "pad_id": 0, "seed": 3, "total_steps": 20}
    return StepSampler(examples, scores, **(settings | {"start": 0.25, "ramp": 0.5} | kw))


def lengths(batches) -> list[int]:
    return sorted(int(n) for b in batches for n in (b.input_ids != 0).sum(dim=1))


def test_a_length_curriculum_admits_the_shortest_first_in_the_scheduled_share():
    examples = [example(2, n) for n in range(1, 41)]  # lengths 3..42
    s = sampler(examples, [float(len(e)) for e in examples])
    assert s.share(0) == 0.25 and set(lengths(s.step_batches(0))) <= set(range(3, 13))  # the shortest quarter
    for step in range(1, 5):  # then no example beyond the admitted share of the length order
        admitted = len(s.admitted(step))
        assert admitted == -(-s.share(step) * 40 // 1)
        assert max(lengths(s.step_batches(step))) <= 2 + admitted
    assert len(s.admitted(5)) == round((0.25 + 0.75 * 0.5) * 40)  # halfway up the ramp
    late = {n for step in range(10, 20) for n in lengths(s.step_batches(step))}
    assert max(late) > 30  # the hardest are in once the ramp is over
    anti = sampler(examples, [float(len(e)) for e in examples], reverse=True)
    assert set(lengths(anti.step_batches(0))) <= set(range(33, 43))  # hardest first
    # A step's batches depend only on the step: a resumed run sees the same data.
    again = sampler(examples, [float(len(e)) for e in examples])
    assert [b.input_ids.tolist() for b in s.step_batches(7)] == [b.input_ids.tolist() for b in again.step_batches(7)]


def test_augmentation_is_seeded_and_never_touches_the_completion():
    e = example(30, 5)
    aug = Augment(mask_prob=0.2, span_deletion_prob=1.0, swap_prob=0.2, mask_id=1)
    a, b = aug(e, random.Random(1)), aug(e, random.Random(1))
    c = aug(e, random.Random(2))
    assert a == b and a != c  # deterministic per seed, different across seeds
    for out in (a, c):
        assert out.input_ids[-5:] == e.input_ids[-5:] and out.labels[-5:] == e.labels[-5:]
        assert all(t == IGNORE for t in out.labels[:-5])
        assert 27 <= len(out) - 5 <= 29  # one span of 1-3 prompt tokens deleted
        assert 1 in out.input_ids  # some tokens masked
    assert Augment()(e, random.Random(0)) == e  # off by default
