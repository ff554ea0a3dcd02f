"""Checking and resolving feedback submissions, and list filters (no server, no Redis)."""

from __future__ import annotations

import pytest

from kiln.v1 import feedback_pb2
from kiln_server.feedback.record import FeedbackRecord
from kiln_server.feedback.store import FeedbackStore
from kiln_server.feedback.submission import (
    FeedbackFilter,
    SampleNotFound,
    parse_submission,
    resolve,
)
from kiln_server.platform.errors import InvalidArgument
from kiln_server.sampling.record import SampleRecord

SAMPLES = {
    "s-1": SampleRecord("s-1", "2+2?", "4", "models/m-1", "v1"),
    "s-2": SampleRecord("s-2", "2+2?", "five", "kiln-gpt-tiny", "v0"),
    "s-3": SampleRecord("s-3", "capital of France?", "Paris", "models/m-1", "v1"),
}


async def lookup(sample_id: str):
    return SAMPLES.get(sample_id)


def req(feedback_id: str = "", **feedback) -> feedback_pb2.SubmitFeedbackRequest:
    return feedback_pb2.SubmitFeedbackRequest(feedback=feedback_pb2.Feedback(**feedback), feedback_id=feedback_id)


def violations(request) -> list[str]:
    with pytest.raises(InvalidArgument) as err:
        parse_submission(request)
    return [v.field for v in err.value.violations]


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (feedback_pb2.SubmitFeedbackRequest(), ["feedback"]),
        (req(sample_id="samples/s-1"), ["feedback.signal"]),
        (req(sample_id="samples/s-1", rating={"value": 6}), ["feedback.rating.value"]),
        (req(sample_id="samples/s-1", rating={"value": 0.5}), ["feedback.rating.value"]),
        (req(sample_id="samples/s-1", rating={"value": 11, "scale_max": 10}), ["feedback.rating.value"]),
        (
            req(sample_id="samples/s-1", rating={"value": 1, "scale_min": 2, "scale_max": 1}),
            ["feedback.rating.scale_max"],
        ),
        (req(sample_id="samples/s-1", rating={"value": float("nan")}), ["feedback.rating.value"]),
        (req(sample_id="samples/s-1", rating={"value": 1, "scale_max": float("inf")}), ["feedback.rating.scale_max"]),
        (req(thumbs={"up": True}), ["feedback.sample_id"]),
        (req(sample_id="s-1", thumbs={"up": True}), ["feedback.sample_id"]),
        (req(sample_id="samples/S_1", thumbs={"up": True}), ["feedback.sample_id"]),
        (req(sample_id="samples/s-1", correction={"text": " \n"}), ["feedback.correction.text"]),
        (
            req(sample_id="samples/s-1", preference={"prompt": "p", "chosen_text": "a", "rejected_text": "b"}),
            ["feedback.sample_id"],
        ),
        (req(preference={"chosen_sample_id": "samples/s-1"}), ["feedback.preference.rejected_sample_id"]),
        (
            req(preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-1"}),
            ["feedback.preference.rejected_sample_id"],
        ),
        (
            req(preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-2", "prompt": "p"}),
            ["feedback.preference.prompt"],
        ),
        (req(preference={"prompt": "p", "chosen_text": "a"}), ["feedback.preference.rejected_text"]),
        (
            req(preference={"prompt": "p", "chosen_text": "a", "rejected_text": "a"}),
            ["feedback.preference.rejected_text"],
        ),
        (
            req(preference={}),
            ["feedback.preference.prompt", "feedback.preference.chosen_text", "feedback.preference.rejected_text"],
        ),
        (req(sample_id="samples/s-1", thumbs={}, tags=["t"] * 33), ["feedback.tags"]),
        (req(sample_id="samples/s-1", thumbs={}, tags=["ok", "", "x" * 65]), ["feedback.tags[1]", "feedback.tags[2]"]),
        (req(sample_id="samples/s-1", thumbs={}, comment="c" * 4001), ["feedback.comment"]),
        (req(sample_id="samples/s-1", thumbs={}, user_id="u" * 129), ["feedback.user_id"]),
        (req(sample_id="samples/s-1", thumbs={}, source="s" * 65), ["feedback.source"]),
        (req("has space", sample_id="samples/s-1", thumbs={}), ["feedback_id"]),
        (req("x" * 65, sample_id="samples/s-1", thumbs={}), ["feedback_id"]),
        (req("bad!", rating={"value": 9}), ["feedback_id", "feedback.rating.value", "feedback.sample_id"]),
    ],
)
def test_each_violation_names_its_field(request_, fields):
    assert violations(request_) == fields


def test_valid_submissions_and_limits():
    ok = parse_submission(
        req(
            "A_b-9" * 12 + "abcd",
            sample_id="samples/s-1",
            rating={"value": 5},
            tags=["t" * 64] * 32,
            comment="c" * 4000,
            user_id="u" * 128,
            source="s" * 64,
        )
    )
    assert ok.kind == "rating" and ok.signal == {"value": 5, "scale_min": 0, "scale_max": 0}
    assert parse_submission(req(sample_id="samples/s-1", rating={"value": 0, "scale_min": -1, "scale_max": 1}))
    assert parse_submission(req(sample_id="samples/s-1", thumbs={})).signal == {"up": False}


def test_fingerprint_ignores_output_only_fields_and_sees_content():
    base = parse_submission(req("f1", sample_id="samples/s-1", thumbs={"up": True}, tags=["a"]))
    echoed = parse_submission(
        req(
            "f1",
            sample_id="samples/s-1",
            thumbs={"up": True},
            tags=["a"],
            name="feedback/f1",
            model="models/m-1",
            create_time={"seconds": 5},
        )
    )
    changed = parse_submission(req("f1", sample_id="samples/s-1", thumbs={"up": False}, tags=["a"]))
    assert base.fingerprint == echoed.fingerprint != changed.fingerprint


async def test_resolve_copies_sample_content():
    rec = await resolve(parse_submission(req(sample_id="samples/s-1", correction={"text": "four"})), "f1", lookup)
    assert (rec.prompt, rec.text, rec.model, rec.models) == ("2+2?", "4", "models/m-1", ["models/m-1"])
    pref = await resolve(
        parse_submission(req(preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-2"})),
        "f2",
        lookup,
    )
    assert (pref.prompt, pref.chosen_text, pref.rejected_text) == ("2+2?", "4", "five")
    assert pref.model == "models/m-1" and pref.models == ["models/m-1", "kiln-gpt-tiny"]
    texts = await resolve(
        parse_submission(req(preference={"prompt": "p", "chosen_text": "a", "rejected_text": "b"})), "f3", lookup
    )
    assert (texts.prompt, texts.chosen_text, texts.rejected_text, texts.model, texts.models) == ("p", "a", "b", "", [])


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (req(sample_id="samples/s-9", thumbs={}), "feedback.sample_id"),
        (
            req(preference={"chosen_sample_id": "samples/s-9", "rejected_sample_id": "samples/s-1"}),
            "feedback.preference.chosen_sample_id",
        ),
        (
            req(preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-9"}),
            "feedback.preference.rejected_sample_id",
        ),
    ],
)
async def test_unknown_sample_is_not_found_with_its_field(request_, field):
    with pytest.raises(SampleNotFound) as err:
        await resolve(parse_submission(request_), "f", lookup)
    assert err.value.field == field and err.value.resource_name.startswith("samples/")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (
            req(preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-3"}),
            "feedback.preference.rejected_sample_id",
        ),
        (req(sample_id="samples/s-1", correction={"text": "4"}), "feedback.correction.text"),
    ],
)
async def test_resolve_rejects(request_, field):
    with pytest.raises(InvalidArgument) as err:
        await resolve(parse_submission(request_), "f", lookup)
    assert err.value.violations[0].field == field


def test_record_json_round_trip():
    rec = FeedbackRecord(
        "f1",
        "rating",
        {"value": 4.0, "scale_min": 0.0, "scale_max": 0.0},
        "samples/s-1",
        tags=["a", "é"],
        models=["m"],
        prompt="p",
        text="t",
    )
    back = FeedbackStore.decode(FeedbackStore.encode(rec), "1700000000123-4")
    assert back.create_ms == 1700000000123 and back.signal == rec.signal and back.tags == rec.tags


def test_filter_time_bounds_and_matching():
    # start inclusive, end exclusive, in whole milliseconds
    flt = FeedbackFilter.from_times(1_000_500_000, 2_000_000_000, tag="a")
    assert (flt.min_ms, flt.max_ms) == (1001, 1999)
    rec = FeedbackRecord(
        "f", "thumbs", {"up": True}, tags=["a", "b"], models=["m1", "m2"], user_id="u", source="s", entry_id="1001-0"
    )
    assert flt.keeps(rec)
    assert not flt.keeps(FeedbackRecord("f", "thumbs", {}, tags=["a"], entry_id="1000-0"))
    assert not flt.keeps(FeedbackRecord("f", "thumbs", {}, tags=["a"], entry_id="2000-0"))
    assert FeedbackFilter(model="m2", user_id="u", source="s").keeps(rec)
    assert not FeedbackFilter(model="m3").keeps(rec) and not FeedbackFilter(tag="c").keeps(rec)
    assert FeedbackFilter(tag="a").fingerprint() != FeedbackFilter(tag="b").fingerprint()
