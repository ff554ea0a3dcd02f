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
