"""trainer/kiln_trainer/eval/metrics.py against hand-computed values; EvalSpec validation; progress throttling."""

from __future__ import annotations

import math

import pytest

from kiln_trainer.errors import ConfigError
from kiln_trainer.eval import metrics as m
from kiln_trainer.eval.spec import DEFAULT_SEED, EvalSpec


def test_perplexity_is_exp_of_mean_nll():
    # Two tokens with p = 1/2 and 1/8: NLL = ln 2 + ln 8 = ln 16, mean ln 4 -> perplexity 4.
    assert m.perplexity(math.log(2) + math.log(8), 2) == pytest.approx(4.0)
    assert m.perplexity(0.0, 5) == 1.0  # a certain model
    with pytest.raises(ValueError):
        m.perplexity(1.0, 0)


def test_distinct_n_counts_across_texts_without_joining_them():
    texts = ["a b a", "b a"]
    # unigrams: a b a b a -> {a, b} = 2 of 5; bigrams: (a b)(b a) + (b a) -> 2 of 3
    assert m.distinct_n(texts, 1) == pytest.approx(2 / 5)
    assert m.distinct_n(texts, 2) == pytest.approx(2 / 3)
    assert m.distinct_n(["x  y\n z"], 1) == 1.0  # any whitespace splits
    assert m.distinct_n(["", "one"], 2) == 0.0  # no bigram at all
    with pytest.raises(ValueError):
        m.distinct_n(texts, 0)


def test_exact_match_trims_surrounding_whitespace_only():
    assert m.exact_match([" Paris\n", "rome", "A B"], ["Paris", "Rome", "A  B"]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        m.exact_match(["a"], [])


def test_win_rate_counts_ties_as_half():
    assert m.win_rate([1.0, 0.0, 2.0, 3.0], [0.5, 0.0, 2.5, 3.0]) == pytest.approx((1 + 0.5 + 0 + 0.5) / 4)
    assert m.win_rate([1.0], [1.0]) == 0.5
    with pytest.raises(ValueError):
        m.win_rate([], [])


def test_mean_std_is_population_std():
    mean, std = m.mean_std([1.0, 3.0])
    assert (mean, std) == (2.0, 1.0)
    assert m.mean_std([5.0]) == (5.0, 0.0)
    with pytest.raises(ValueError):
        m.mean_std([])


def test_sequence_kl_sums_log_ratio_over_tokens():
    model = [math.log(0.5), math.log(0.25)]
    ref = [math.log(0.25), math.log(0.25)]
    assert m.sequence_kl(model, ref) == pytest.approx(math.log(2))
    assert m.sequence_kl([], []) == 0.0
    with pytest.raises(ValueError):
        m.sequence_kl([0.0], [])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"metrics": ()}, "metrics"),
        ({"metrics": ("bleu",)}, "metrics"),
        ({"metrics": ("mean_reward",)}, "reward_model"),
        ({"metrics": ("win_rate",), "reward_model": "/rm"}, "baseline_model"),
        ({"metrics": ("kl_to_reference",)}, "reference_model"),
        ({"metrics": ("perplexity",), "dataset_format": "prompts"}, "dataset_format"),
        ({"max_records": -1}, "max_records"),
        ({"sampling": {"temperature": 3.0}}, "sampling.temperature"),
    ],
)
def test_eval_spec_rejects_incomplete_requests(kwargs, field):
    base = {"metrics": ("distinct_n",), "model": "kiln-gpt-tiny", "dataset_path": "d.jsonl", "dataset_format": "sft"}
    with pytest.raises(ConfigError) as err:
        EvalSpec(**{**base, **kwargs})
    assert err.value.field == field


def test_eval_spec_always_samples_with_a_seed():
    spec = EvalSpec(metrics=("distinct_n",), model="m", dataset_path="d", dataset_format="prompts")
    assert spec.params().seed == DEFAULT_SEED
    assert (
        EvalSpec(metrics=("distinct_n",), model="m", dataset_path="d", dataset_format="prompts", sampling={"seed": 7})
        .params()
        .seed
        == 7
    )


def test_progress_is_throttled_but_metric_completions_always_reported():
    from kiln_trainer.eval.run import _Tracker

    now = [0.0]
    seen = []
    tracker = _Tracker(seen.append, records=10, passes=2, interval_s=1.0, clock=lambda: now[0])
    tracker.emit()
    tracker.advance(4)  # within the interval: held back
    now[0] = 1.5
    tracker.advance(4)  # 8 record-passes of 2 passes = 4 records
    tracker.finish_metric({"perplexity": 3.0})  # reported at once
    assert [(p.completed_records, p.total_records) for p in seen] == [(0, 10), (4, 10), (4, 10)]
    assert seen[-1].results == {"perplexity": 3.0}
