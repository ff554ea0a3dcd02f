"""The PreferencePairing rules and prompt sets, on hand-worked examples (no server, no Redis).

Scores used below, on the default 1 to 5 scale: 5 -> 1.0, 4 -> 0.75, 3 -> 0.5, 2 -> 0.25, 1 -> 0.0.
"""

from __future__ import annotations

import math

import pytest
from google.protobuf import timestamp_pb2
from hypothesis import given
from hypothesis import strategies as st

from kiln.v1 import feedback_pb2
from kiln_server.feedback.export import (
    Pairing,
    Ties,
    parse_export,
    preference_pairs,
    prompt_set,
    score,
)
from kiln_server.feedback.submission import FeedbackRecord
from kiln_server.platform.errors import InvalidArgument

_n = 0


def _id() -> str:
    global _n
    _n += 1
    return f"f{_n}"


def rating(sample: str, value: float, prompt: str = "P", lo: float = 0, hi: float = 0) -> FeedbackRecord:
    return FeedbackRecord(
        _id(),
        "rating",
        {"value": value, "scale_min": lo, "scale_max": hi},
        sample_id=f"samples/{sample}",
        prompt=prompt,
        text=f"text {sample}",
    )


def thumbs(sample: str, up: bool, prompt: str = "P") -> FeedbackRecord:
    return FeedbackRecord(
        _id(), "thumbs", {"up": up}, sample_id=f"samples/{sample}", prompt=prompt, text=f"text {sample}"
    )


def preference(prompt: str, chosen: str, rejected: str) -> FeedbackRecord:
    return FeedbackRecord(
        _id(),
        "preference",
        {"prompt": prompt, "chosen_text": chosen, "rejected_text": rejected},
        prompt=prompt,
        chosen_text=chosen,
        rejected_text=rejected,
    )


def correction(sample: str, corrected: str, prompt: str = "P") -> FeedbackRecord:
    return FeedbackRecord(
        _id(), "correction", {"text": corrected}, sample_id=f"samples/{sample}", prompt=prompt, text=f"text {sample}"
    )


def pairs(result) -> list[tuple[str, str, str]]:
    return [(r["prompt"], r["chosen"], r["rejected"]) for r in result.records]


def counters(result) -> tuple[int, int, int, int, int, int]:
    return (
        result.matched,
        len(result.records),
        result.dropped_tie,
        result.dropped_gap,
        result.dropped_limit,
        result.unused,
    )


# -- scores ----------------------------------------------------------------------------------------
def test_scores():
    assert score(rating("a", 4)) == 0.75  # (4 - 1) / (5 - 1), default scale
    assert score(rating("a", 1)) == 0.0 and score(rating("a", 5)) == 1.0
    assert score(rating("a", 7, lo=0, hi=10)) == 0.7
    assert score(rating("a", -1, lo=-2, hi=2)) == 0.25
    assert score(thumbs("a", True)) == 1.0 and score(thumbs("a", False)) == 0.0
    assert score(preference("P", "x", "y")) is None and score(correction("a", "better")) is None


# -- explicit pairs --------------------------------------------------------------------------------
def test_preferences_and_corrections_are_pairs_as_given_and_ignore_the_rules():
    records = [preference("P", "good", "bad"), correction("s1", "fixed"), preference("P", "fine", "worse")]
    strict = Pairing(min_rating_gap=0.9, ties=Ties.DROP, max_pairs_per_prompt=1)
    result = preference_pairs(records, strict)
    assert pairs(result) == [("P", "good", "bad"), ("P", "fixed", "text s1"), ("P", "fine", "worse")]
    assert counters(result) == (3, 3, 0, 0, 0, 0)


def test_explicit_pair_with_blank_or_equal_texts_is_unused():
    records = [preference("P", "  ", "bad"), correction("s1", "text s1")]
    assert counters(preference_pairs(records, Pairing())) == (2, 0, 0, 0, 0, 2)


# -- scored pairs ----------------------------------------------------------------------------------
def test_higher_score_is_chosen():
    records = [rating("a", 2), rating("b", 5)]  # 0.25 vs 1.0
    result = preference_pairs(records, Pairing())
    assert pairs(result) == [("P", "text b", "text a")]
    assert counters(result) == (2, 1, 0, 0, 0, 0)


def test_several_judgements_of_one_sample_are_averaged():
    # a: rating 5 (1.0) and rating 1 (0.0) -> 0.5; b: thumbs up -> 1.0; c: thumbs down and rating 2 -> 0.125
    records = [rating("a", 5), thumbs("b", True), rating("a", 1), thumbs("c", False), rating("c", 2)]
    result = preference_pairs(records, Pairing())
    # candidates: a-b 0.5, a-c 0.375, b-c 0.875; written largest difference first
    assert pairs(result) == [("P", "text b", "text c"), ("P", "text b", "text a"), ("P", "text a", "text c")]
    assert counters(result) == (5, 3, 0, 0, 0, 0)


def test_samples_are_grouped_by_exact_prompt():
    records = [rating("a", 5, prompt="Hi"), rating("b", 1, prompt="hi"), rating("c", 1, prompt="Hi ")]
    result = preference_pairs(records, Pairing())
    assert counters(result) == (3, 0, 0, 0, 0, 3)  # three prompts with one sample each: all unused


def test_prompts_in_first_seen_order():
    records = [
        rating("a", 5, prompt="Q"),
        rating("x", 5, prompt="P"),
        rating("b", 1, prompt="Q"),
        rating("y", 1, prompt="P"),
    ]
    assert [p for p, _, _ in pairs(preference_pairs(records, Pairing()))] == ["Q", "P"]


def test_tie_dropped_by_default():
    # a: rating 3 -> 0.5; b: thumbs up and down -> 0.5; c: rating 4 -> 0.75
    records = [rating("a", 3), thumbs("b", True), thumbs("b", False), rating("c", 4)]
    result = preference_pairs(records, Pairing())
    assert pairs(result) == [("P", "text c", "text a"), ("P", "text c", "text b")]  # both 0.25, first seen first
    assert counters(result) == (4, 2, 1, 0, 0, 0)
    unspecified = preference_pairs(records, Pairing(ties=Ties.DROP))
    assert counters(unspecified) == counters(result)


def test_tie_both_orders_writes_two_pairs():
    records = [rating("a", 4), rating("b", 4)]
    result = preference_pairs(records, Pairing(ties=Ties.BOTH_ORDERS))
    assert pairs(result) == [("P", "text a", "text b"), ("P", "text b", "text a")]
    assert counters(result) == (2, 2, 0, 0, 0, 0)


def test_tie_is_not_a_gap_drop():
    # Equal scores are governed by `ties` even when min_rating_gap would drop a small difference.
    records = [rating("a", 4), rating("b", 4)]
    assert counters(preference_pairs(records, Pairing(min_rating_gap=0.5))) == (2, 0, 1, 0, 0, 2)
    both = preference_pairs(records, Pairing(min_rating_gap=0.5, ties=Ties.BOTH_ORDERS))
    assert counters(both) == (2, 2, 0, 0, 0, 0)


def test_min_rating_gap():
    # a 1.0, b 0.75, c 0.25: a-b 0.25, a-c 0.75, b-c 0.5
    records = [rating("a", 5), rating("b", 4), rating("c", 2)]
    at_one_star = preference_pairs(records, Pairing(min_rating_gap=0.25))  # exactly the gap: kept
    assert counters(at_one_star) == (3, 3, 0, 0, 0, 0)
    above = preference_pairs(records, Pairing(min_rating_gap=0.3))
    assert pairs(above) == [("P", "text a", "text c"), ("P", "text b", "text c")]
    assert counters(above) == (3, 2, 0, 1, 0, 0)
    only_far = preference_pairs(records, Pairing(min_rating_gap=0.6))
    assert pairs(only_far) == [("P", "text a", "text c")]
    assert counters(only_far) == (3, 1, 0, 2, 0, 1)  # b is in no pair: its rating is unused


def test_min_rating_gap_of_one_step_survives_rounding():
    # On 1 to 10, ratings 7 and 6 score 6/9 and 5/9; their difference is not exactly 1/9 in floats.
    records = [rating("a", 7, lo=1, hi=10), rating("b", 6, lo=1, hi=10)]
    assert counters(preference_pairs(records, Pairing(min_rating_gap=1 / 9))) == (2, 1, 0, 0, 0, 0)


def test_max_pairs_per_prompt_keeps_largest_differences():
    # a 1.0, b 0.75, c 0.5, d 0.25; candidates (first-seen order) ab .25, ac .5, ad .75, bc .25, bd .5, cd .25
    records = [rating("a", 5), rating("b", 4), rating("c", 3), rating("d", 2)]
    result = preference_pairs(records, Pairing(max_pairs_per_prompt=2))
    assert pairs(result) == [("P", "text a", "text d"), ("P", "text a", "text c")]  # ac before bd: seen first
    assert counters(result) == (4, 2, 0, 0, 4, 1)  # b is in no kept pair
    unlimited = preference_pairs(records, Pairing(max_pairs_per_prompt=0))
    assert counters(unlimited) == (4, 6, 0, 0, 0, 0)


def test_max_pairs_counts_per_prompt():
    records = [rating("a", 5, "P"), rating("b", 1, "P"), rating("c", 3, "P"), rating("x", 5, "Q"), rating("y", 1, "Q")]
    result = preference_pairs(records, Pairing(max_pairs_per_prompt=1))
    assert pairs(result) == [("P", "text a", "text b"), ("Q", "text x", "text y")]
    assert counters(result) == (5, 2, 0, 0, 2, 1)


def test_max_pairs_keeps_a_both_orders_tie_whole_and_last():
    # a 1.0, b 0.5, c 0.5: ab .5, ac .5, bc tie (two pairs)
    records = [rating("a", 5), rating("b", 3), rating("c", 3)]
    both = Ties.BOTH_ORDERS
    three = preference_pairs(records, Pairing(ties=both, max_pairs_per_prompt=3))
    assert pairs(three) == [("P", "text a", "text b"), ("P", "text a", "text c")]  # one slot left: tie dropped
    assert counters(three) == (3, 2, 0, 0, 1, 0)
    four = preference_pairs(records, Pairing(ties=both, max_pairs_per_prompt=4))
    assert pairs(four)[2:] == [("P", "text b", "text c"), ("P", "text c", "text b")]
    assert counters(four) == (3, 4, 0, 0, 0, 0)
    one = preference_pairs(records, Pairing(ties=both, max_pairs_per_prompt=1))
    assert counters(one) == (3, 1, 0, 0, 2, 1)  # c is in no kept pair


def test_unused_feedback():
    records = [
        rating("only", 5, prompt="alone"),  # the only scored sample of its prompt
        rating("a", 5),
        thumbs("a", True),
        rating("b", 1),  # used: a over b
        FeedbackRecord("f-new", "emoji", {"face": ":)"}, prompt="P"),  # a kind this version cannot pair
        FeedbackRecord(
            _id(), "rating", {"value": 3, "scale_min": 0, "scale_max": 0}, sample_id="samples/e", prompt="P", text="   "
        ),  # a sample with no text cannot be paired
    ]
    result = preference_pairs(records, Pairing())
    assert pairs(result) == [("P", "text a", "text b")]
    assert counters(result) == (6, 1, 0, 0, 0, 3)


def test_mixed_export_counters():
    records = [preference("P", "good", "bad"), rating("a", 4), rating("b", 4), rating("c", 1), correction("c", "ok")]
    # explicit: 2 pairs; scored a .75, b .75, c 0: ab tie (dropped), ac .75, bc .75
    result = preference_pairs(records, Pairing())
    assert pairs(result) == [
        ("P", "good", "bad"),
        ("P", "ok", "text c"),
        ("P", "text a", "text c"),
        ("P", "text b", "text c"),
    ]
    assert counters(result) == (5, 4, 1, 0, 0, 0)


@given(
    st.lists(st.tuples(st.sampled_from("PQ"), st.sampled_from("abcdef"), st.integers(1, 5)), max_size=30),
    st.floats(0, 0.99),
    st.integers(0, 4),
)
def test_every_candidate_is_written_or_counted_once(judgements, gap, max_pairs):
    records = [rating(f"{prompt}{sample}", value, prompt=prompt) for prompt, sample, value in judgements]
    result = preference_pairs(records, Pairing(min_rating_gap=gap, max_pairs_per_prompt=max_pairs))
    samples = {(p, s) for p, s, _ in judgements}
    candidates = sum(math.comb(sum(1 for p, _ in samples if p == prompt), 2) for prompt in "PQ")
    assert len(result.records) + result.dropped_tie + result.dropped_gap + result.dropped_limit == candidates
    assert all(r["chosen"] != r["rejected"] for r in result.records)
    assert 0 <= result.unused <= result.matched == len(records)


# -- prompt sets -----------------------------------------------------------------------------------
def test_prompt_set_distinct_in_first_seen_order():
    records = [
        rating("a", 5, prompt="B"),
        thumbs("b", True, prompt="A"),
        preference("C", "x", "y"),
        correction("c", "fixed", prompt="B"),
        rating("d", 1, prompt=" "),
    ]
    result = prompt_set(records)
    assert result.records == [{"prompt": "B"}, {"prompt": "A"}, {"prompt": "C"}]
    assert counters(result) == (5, 3, 0, 0, 0, 1)


# -- the request -----------------------------------------------------------------------------------
def _ts(seconds: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=seconds)


def test_parse_export_defaults():
    spec = parse_export(
        feedback_pb2.ExportFeedbackRequest(kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS), now_s=0
    )
    assert spec.kind == "preference" and spec.pairing == Pairing()
    assert spec.display_name == "feedback export 1970-01-01 00:00:00 UTC"
    both = parse_export(
        feedback_pb2.ExportFeedbackRequest(
            kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS,
            display_name="mine",
            pairing=feedback_pb2.PreferencePairing(
                min_rating_gap=0.25, ties=feedback_pb2.TIE_HANDLING_BOTH_ORDERS, max_pairs_per_prompt=3
            ),
        ),
        now_s=0,
    )
    assert both.pairing == Pairing(0.25, Ties.BOTH_ORDERS, 3) and both.display_name == "mine"


@pytest.mark.parametrize(
    ("request_fields", "fields"),
    [
        ({"kind": 0}, ["kind"]),
        ({"kind": 9}, ["kind"]),
        ({"pairing": {"min_rating_gap": 1.0}}, ["pairing.min_rating_gap"]),
        ({"pairing": {"min_rating_gap": -0.1}}, ["pairing.min_rating_gap"]),
        ({"pairing": {"min_rating_gap": math.nan}}, ["pairing.min_rating_gap"]),
        ({"pairing": {"ties": 7}}, ["pairing.ties"]),
        ({"display_name": "x" * 201}, ["display_name"]),
        ({"request_id": "r" * 129}, ["request_id"]),
        ({"filter": {"start_time": _ts(10), "end_time": _ts(10)}}, ["filter.end_time"]),
        (
            {"kind": 0, "request_id": "r" * 129, "filter": {"start_time": _ts(10), "end_time": _ts(5)}},
            ["kind", "request_id", "filter.end_time"],
        ),
    ],
)
def test_parse_export_rejects(request_fields, fields):
    request = feedback_pb2.ExportFeedbackRequest(**{"kind": 1, **request_fields})
    with pytest.raises(InvalidArgument) as err:
        parse_export(request, now_s=0)
    assert [v.field for v in err.value.violations] == fields


def test_parse_export_prompts_ignores_pairing():
    request = feedback_pb2.ExportFeedbackRequest(
        kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PROMPTS, pairing=feedback_pb2.PreferencePairing(min_rating_gap=5)
    )
    assert parse_export(request, now_s=0).kind == "prompts"


def test_image_samples_pair_within_their_condition_as_png_data_uris():
    from kiln_server.sampling.record import image_prompt, image_uri, png_of
    from kiln_trainer.data.formats import validate_record

    png = {s: b"\x89PNG\r\n\x1a\n" + s.encode() * 5 for s in "abc"}

    def image_rating(sample: str, value: float, label: int) -> FeedbackRecord:
        r = rating(sample, value, prompt=image_prompt(label))
        r.text = image_uri(png[sample])  # what the sampler keeps for an image sample
        return r

    result = preference_pairs([image_rating("a", 5, 3), image_rating("b", 1, 3), image_rating("c", 4, 7)], Pairing())
    [record] = result.records
    assert record["prompt"] == "<image class=3>" and result.unused == 1  # the lone 7 pairs with nothing
    assert (png_of(record["chosen"]), png_of(record["rejected"])) == (png["a"], png["b"])
    validate_record("preference", record)  # an ordinary PREFERENCE dataset line
