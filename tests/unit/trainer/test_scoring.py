"""The scoring-function registry (torch-free)."""

import pytest

from kiln_trainer import scoring


def test_builtin_scoring_functions():
    assert scoring.resolve("length")("p", "x" * 50) == 0.5
    assert scoring.resolve("length")("p", "x" * 500) == 1.0
    assert scoring.resolve("length:10")("p", "x" * 15) == 0.5
    assert scoring.resolve("contains:Thanks")("p", "many thanks!") == 1.0
    assert scoring.resolve("contains:thanks")("p", "no") == 0.0
    assert scoring.resolve("keywords:red, green,blue")("p", "Red and blue") == pytest.approx(2 / 3)
    assert scoring.resolve("charset:ab")("p", "ab c d") == 0.5
    assert scoring.resolve("charset:ab")("p", "   ") == 0.0
    assert set(scoring.available()) >= {"length", "contains", "keywords", "charset"}


@pytest.mark.parametrize(
    ("spec", "snippet"),
    [
        ("", "scoring function name"),
        ("unknown", "unknown scoring function"),
        ("contains", "needs an argument"),
        ("length:abc", "bad argument 'abc'"),
        ("length:0", "bad argument '0'"),
        ("keywords:,", "bad argument"),
    ],
)
def test_resolve_rejects_bad_specs(spec, snippet):
    with pytest.raises(ValueError, match=snippet):
        scoring.resolve(spec)


def test_weighted_sums_of_functions():
    from kiln_trainer.scoring import resolve

    mix = resolve("0.7*length:10 + 0.3*contains:thanks")
    assert mix("", "thanks a lot") == pytest.approx(0.7 * (1 - 2 / 10) + 0.3)
    # The weight is optional (1) and may be negative; commas stay inside an argument.
    assert resolve("keywords:yes,sure + -0.5*contains:sorry")("", "yes, sorry") == pytest.approx(0.5 - 0.5)
    assert resolve("2*length")("", "x" * 50) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("spec", "snippet"),
    [
        ("2*nope", "unknown scoring function 'nope'"),
        ("inf*length", "finite"),
        ("length + ", "empty term"),
        ("0.5*contains", "needs an argument"),
    ],
)
def test_weighted_sums_refuse_bad_terms(spec, snippet):
    from kiln_trainer.scoring import resolve

    with pytest.raises(ValueError, match=snippet):
        resolve(spec)
