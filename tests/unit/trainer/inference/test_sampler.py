"""The sampler's pure pieces: repetition penalty, top-k/top-p filtering, per-row draws."""

import math

import pytest
import torch

from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.params import SamplingParams, derive_seed
from kiln_trainer.inference.sampler import RowSampling, apply_repetition_penalty, filter_logits, sample_rows


def row(temperature=1.0, top_k=0, top_p=1.0, penalty=1.0, seed=0, seen=None, top=0):
    gen = torch.Generator().manual_seed(seed) if temperature > 0 else None
    return RowSampling(temperature, top_k, top_p, penalty, gen, seen, top)


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits():
    logits = torch.tensor([2.0, -1.0, 0.5, 3.0])
    out = apply_repetition_penalty(logits, torch.tensor([0, 1]), 2.0)
    assert out.tolist() == [1.0, -2.0, 0.5, 3.0]
    assert logits.tolist() == [2.0, -1.0, 0.5, 3.0]  # input untouched


def test_top_k_keeps_the_k_largest():
    logits = torch.tensor([[1.0, 4.0, 3.0, 2.0]])
    out = filter_logits(logits, torch.tensor([2]), torch.tensor([1.0]))
    assert torch.isinf(out[0, [0, 3]]).all() and out[0, 1] == 4.0 and out[0, 2] == 3.0


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    logits = probs.log()
    # 0.5 < 0.7 so the second token is needed; 0.5 + 0.3 >= 0.7 so the third is not.
    out = filter_logits(logits, torch.tensor([0]), torch.tensor([0.7]))
    assert torch.isfinite(out[0, :2]).all() and torch.isinf(out[0, 2:]).all()


def test_top_p_always_keeps_the_most_likely_token():
    out = filter_logits(torch.tensor([[5.0, 1.0]]), torch.tensor([0]), torch.tensor([0.01]))
    assert torch.isfinite(out[0, 0]) and torch.isinf(out[0, 1])


def test_rows_are_filtered_independently():
    logits = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    out = filter_logits(logits, torch.tensor([1, 0]), torch.tensor([1.0, 1.0]))
    assert torch.isinf(out[0, :2]).all() and torch.isfinite(out[1]).all()


def test_greedy_row_takes_argmax_and_reports_model_logprob():
    logits = torch.tensor([[0.0, 2.0, 1.0]])
    d = sample_rows(logits, [row(temperature=0)], [True])[0]
    assert d.token == 1
    assert d.logprob == pytest.approx(float(logits.log_softmax(-1)[0, 1]))


def test_logprob_is_under_the_tempered_distribution():
    logits = torch.tensor([[0.0, 1.0, 2.0]])
    d = sample_rows(logits, [row(temperature=0.5, seed=3)], [True])[0]
    expected = (logits / 0.5).log_softmax(-1)[0, d.token]
    assert d.logprob == pytest.approx(float(expected), abs=1e-6)


def test_top_logprobs_are_sorted_and_include_the_best():
    logits = torch.tensor([[0.0, 3.0, 1.0, 2.0]])
    d = sample_rows(logits, [row(temperature=0, top=2)], [True])[0]
    assert [t for t, _ in d.top] == [1, 3]
    assert d.top[0][1] >= d.top[1][1]


def test_a_seeded_draw_does_not_depend_on_the_other_rows():
    logits = torch.randn(1, 50, generator=torch.Generator().manual_seed(1))
    alone = sample_rows(logits, [row(seed=11)], [False])[0].token
    other = torch.randn(3, 50)
    batched = sample_rows(
        torch.cat([other, logits]), [row(seed=1), row(seed=2), row(seed=3), row(seed=11)], [False] * 4
    )[3].token
    assert alone == batched


def test_params_validation_names_the_field():
    for kwargs, field in [
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"temperature": -1}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"repetition_penalty": 0}, "repetition_penalty"),
        ({"top_logprobs": 3}, "top_logprobs"),
        ({"stop": ("",)}, "stop[0]"),
        ({"stop": tuple("abcdefghi")}, "stop"),
    ]:
        with pytest.raises(ConfigError) as e:
            SamplingParams(**kwargs)
        assert e.value.field == field


def test_canonical_form_ignores_the_seed_of_greedy_requests():
    assert SamplingParams(temperature=0, seed=1).canonical() == SamplingParams(temperature=0, seed=2).canonical()
    assert SamplingParams(seed=1).canonical() != SamplingParams(seed=2).canonical()
    assert SamplingParams(temperature=0).deterministic and SamplingParams(seed=0).deterministic
    assert not SamplingParams().deterministic


def test_derived_seeds_differ_per_index_and_stay_in_range():
    seeds = {derive_seed(42, i) for i in range(16)}
    assert len(seeds) == 16 and all(0 <= s < 2**63 for s in seeds)
    assert derive_seed(None, 3) is None
    assert not math.isnan(float(derive_seed(2**63, 1)))
