"""FeedbackService over real gRPC and Redis: submit, stream, list, export (rules: tests/unit)."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from kiln.v1 import datasets_pb2, feedback_pb2, feedback_pb2_grpc
from kiln_server.sampling.record import SampleRecord
from kiln_server.sampling.samples import SampleStore
from tests.e2e.conftest import field_violations

PAIRS = feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS
PROMPTS = feedback_pb2.FEEDBACK_EXPORT_KIND_PROMPTS


class Feedback:
    """A gateway's FeedbackService stub plus a way to plant samples for a tenant."""

    def __init__(self, gateway):
        self.gw = gateway
        self.stub = feedback_pb2_grpc.FeedbackServiceStub(gateway.channel)
        self.samples = SampleStore(gateway.server.redis, _keys(gateway))

    async def plant(self, tenant, *samples: SampleRecord) -> None:
        await self.samples.put_many(tenant.name, list(samples))

    async def submit(self, tenant, feedback_id: str = "", **feedback) -> feedback_pb2.Feedback:
        return await self.stub.SubmitFeedback(_req(feedback_id, **feedback), metadata=tenant.md)

    async def list(self, tenant, **request) -> feedback_pb2.ListFeedbackResponse:
        return await self.stub.ListFeedback(feedback_pb2.ListFeedbackRequest(**request), metadata=tenant.md)

    async def export(self, tenant, **request) -> feedback_pb2.ExportFeedbackResponse:
        return await self.stub.ExportFeedback(feedback_pb2.ExportFeedbackRequest(**request), metadata=tenant.md)


def _keys(gateway):
    from kiln_server.platform.keys import Keys

    return Keys(gateway.config.redis_prefix)


def _req(feedback_id: str = "", **feedback) -> feedback_pb2.SubmitFeedbackRequest:
    return feedback_pb2.SubmitFeedbackRequest(feedback_id=feedback_id, feedback=feedback_pb2.Feedback(**feedback))


def sample(sid: str, prompt: str = "2+2?", text: str | None = None, model: str = "models/m-1") -> SampleRecord:
    return SampleRecord(sid, prompt, text if text is not None else f"answer {sid}", model, "v1")


@pytest.fixture
async def fb(gateway):
    return Feedback(gateway)


async def _error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


def _resource_info(err: grpc.aio.AioRpcError) -> error_details_pb2.ResourceInfo | None:
    for detail in rpc_status.from_call(err).details:
        if detail.Is(error_details_pb2.ResourceInfo.DESCRIPTOR):
            info = error_details_pb2.ResourceInfo()
            detail.Unpack(info)
            return info
    return None


def _dataset_lines(gw, tenant, dataset_name: str) -> list[dict]:
    ds_id = dataset_name.split("/")[1]
    path = gw.config.data_dir / "artifacts" / "datasets" / tenant.name / ds_id / "data.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# -- submit ----------------------------------------------------------------------------------------
async def test_submit_each_signal_kind(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"), sample("s-2", model="kiln-gpt-tiny"))
    rating = await fb.submit(
        t,
        "r1",
        sample_id="samples/s-1",
        rating={"value": 4},
        tags=["helpful"],
        comment="good",
        user_id="u-1",
        source="chat-ui",
        model="ignored",
        name="ignored",
    )
    assert rating.name == "feedback/r1" and rating.model == "models/m-1" and rating.rating.value == 4
    assert list(rating.tags) == ["helpful"] and (rating.comment, rating.user_id, rating.source) == (
        "good",
        "u-1",
        "chat-ui",
    )
    assert rating.create_time.seconds > 0
    thumbs = await fb.submit(t, sample_id="samples/s-2", thumbs={"up": True})
    assert thumbs.name.startswith("feedback/f-") and thumbs.model == "kiln-gpt-tiny" and thumbs.thumbs.up
    correction = await fb.submit(t, "c1", sample_id="samples/s-1", correction={"text": "4"})
    assert correction.correction.text == "4" and correction.model == "models/m-1"
    by_ids = await fb.submit(
        t, "p1", preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-2"}
    )
    assert by_ids.model == "models/m-1" and by_ids.sample_id == ""
    by_texts = await fb.submit(t, "p2", preference={"prompt": "hi", "chosen_text": "hello", "rejected_text": "go"})
    assert by_texts.model == "" and by_texts.preference.chosen_text == "hello"
    listed = await fb.list(t)
    assert [f.name for f in listed.feedback] == [
        "feedback/p2",
        "feedback/p1",
        "feedback/c1",
        thumbs.name,
        "feedback/r1",
    ]
    assert listed.feedback[-1] == rating


async def test_resend_returns_the_stored_record_and_different_content_is_already_exists(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"))
    first = await fb.submit(t, "same", sample_id="samples/s-1", rating={"value": 2})
    await asyncio.sleep(0.01)
    again = await fb.submit(t, "same", sample_id="samples/s-1", rating={"value": 2})
    assert again == first
    err = await _error(fb.submit(t, "same", sample_id="samples/s-1", rating={"value": 3}))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    info = _resource_info(err)
    assert info is not None and info.resource_name == "feedback/same"
    # A resend after the sample expired is still recognised as the stored record.
    await fb.gw.server.redis.delete(_keys(fb.gw).sample(t.name, "s-1"))
    assert await fb.submit(t, "same", sample_id="samples/s-1", rating={"value": 2}) == first
    assert len((await fb.list(t)).feedback) == 1


async def test_validation_errors_name_the_field(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"), sample("s-2"), sample("s-3", prompt="other"))
    cases = [
        (_req(sample_id="samples/s-1"), "feedback.signal"),
        (feedback_pb2.SubmitFeedbackRequest(), "feedback"),
        (_req(sample_id="samples/s-1", rating={"value": 6}), "feedback.rating.value"),
        (
            _req(sample_id="samples/s-1", rating={"value": 3, "scale_min": 5, "scale_max": 1}),
            "feedback.rating.scale_max",
        ),
        (_req(thumbs={"up": True}), "feedback.sample_id"),
        (_req(sample_id="s-1", thumbs={"up": True}), "feedback.sample_id"),
        (_req(sample_id="samples/s-1", correction={}), "feedback.correction.text"),
        (_req(sample_id="samples/s-1", correction={"text": "answer s-1"}), "feedback.correction.text"),
        (
            _req(
                sample_id="samples/s-1",
                preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-2"},
            ),
            "feedback.sample_id",
        ),
        (
            _req(
                preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-2", "chosen_text": "x"}
            ),
            "feedback.preference.chosen_text",
        ),
        (_req(preference={"rejected_sample_id": "samples/s-2"}), "feedback.preference.chosen_sample_id"),
        (
            _req(preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-3"}),
            "feedback.preference.rejected_sample_id",
        ),
        (_req(preference={"prompt": "p", "rejected_text": "b"}), "feedback.preference.chosen_text"),
        (_req(sample_id="samples/s-1", thumbs={}, tags=["x"] * 33), "feedback.tags"),
        (_req(sample_id="samples/s-1", thumbs={}, tags=["a", "y" * 65]), "feedback.tags[1]"),
        (_req(sample_id="samples/s-1", thumbs={}, comment="c" * 4001), "feedback.comment"),
        (_req(sample_id="samples/s-1", thumbs={}, user_id="u" * 129), "feedback.user_id"),
        (_req(sample_id="samples/s-1", thumbs={}, source="s" * 65), "feedback.source"),
        (_req("no/slash", sample_id="samples/s-1", thumbs={}), "feedback_id"),
    ]
    for request, field in cases:
        err = await _error(fb.stub.SubmitFeedback(request, metadata=t.md))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, err.details())
        assert [f for f, _ in field_violations(err)] == [field], err.details()
    assert list((await fb.list(t)).feedback) == []


async def test_unknown_and_other_tenants_samples_are_not_found(fb):
    mine, theirs = await fb.gw.tenant(), await fb.gw.tenant()
    await fb.plant(mine, sample("s-1"))
    await fb.plant(theirs, sample("s-theirs"))
    for tenant_sample in ("samples/s-nope", "samples/s-theirs"):
        err = await _error(fb.submit(mine, sample_id=tenant_sample, thumbs={"up": True}))
        assert err.code() == grpc.StatusCode.NOT_FOUND
        info = _resource_info(err)
        assert (info.resource_type, info.resource_name) == ("sample", tenant_sample)
    err = await _error(
        fb.submit(mine, preference={"chosen_sample_id": "samples/s-1", "rejected_sample_id": "samples/s-theirs"})
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    # Feedback ids are per tenant too: the same id in another tenant is a different record.
    await fb.submit(mine, "shared", sample_id="samples/s-1", thumbs={"up": True})
    await fb.submit(theirs, "shared", sample_id="samples/s-theirs", thumbs={"up": False})
    assert [f.name for f in (await fb.list(theirs)).feedback] == ["feedback/shared"]


# -- stream ----------------------------------------------------------------------------------------
async def test_stream_acks_each_request_in_order_with_rejections(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"), sample("s-2"))
    await fb.submit(t, "old", sample_id="samples/s-1", thumbs={"up": True})
    requests = [
        _req("a", sample_id="samples/s-1", rating={"value": 5}),
        _req("b", sample_id="samples/s-1", rating={"value": 9}),  # out of scale
        _req("c", sample_id="samples/s-gone", thumbs={}),  # unknown sample
        _req("old", sample_id="samples/s-1", thumbs={"up": True}),  # resend: duplicate
        _req("old", sample_id="samples/s-1", thumbs={"up": False}),  # same id, new content
        _req("", sample_id="samples/s-2", thumbs={"up": False}),
    ]

    async def gen():
        for r in requests:
            yield r

    acks = [a async for a in fb.stub.StreamFeedback(gen(), metadata=t.md)]
    assert [a.sequence for a in acks] == list(range(6))
    assert [a.code for a in acks] == [0, 3, 5, 0, 6, 0]
    assert [a.field for a in acks] == ["", "feedback.rating.value", "feedback.sample_id", "", "feedback_id", ""]
    assert [a.duplicate for a in acks] == [False, False, False, True, False, False]
    assert [a.name for a in acks[:5]] == ["feedback/a", "", "", "feedback/old", ""]
    assert acks[5].name.startswith("feedback/f-")
    assert all(a.message for a in acks if a.code) and not any(a.message for a in acks if not a.code)
    assert [(a.accepted_count, a.rejected_count) for a in acks] == [(1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 3)]
    names = [f.name for f in (await fb.list(t)).feedback]
    assert sorted(names) == sorted(["feedback/old", "feedback/a", acks[5].name])


async def test_stream_acks_as_it_goes(fb):
    """Each ack arrives before the client sends the next request (no waiting for the stream end)."""
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"))
    call = fb.stub.StreamFeedback(metadata=t.md)
    for i in range(3):
        await call.write(_req(f"x{i}", sample_id="samples/s-1", thumbs={"up": True}))
        ack = await asyncio.wait_for(call.read(), 10)
        assert (ack.sequence, ack.name, ack.accepted_count) == (i, f"feedback/x{i}", i + 1)
    await call.done_writing()
    assert await call.read() == grpc.aio.EOF


async def test_stream_without_key_is_unauthenticated(fb):
    async def gen():
        yield _req("a", sample_id="samples/s-1", thumbs={})

    call = fb.stub.StreamFeedback(gen())
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in call:
            pass
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


# -- list ------------------------------------------------------------------------------------------
async def test_list_filters(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1", model="models/m-1"), sample("s-2", model="models/m-2"))
    a = await fb.submit(
        t, "a", sample_id="samples/s-1", thumbs={"up": True}, tags=["x", "y"], user_id="u1", source="chat-ui"
    )
    await asyncio.sleep(0.02)  # distinct store milliseconds for the time filter
    b = await fb.submit(
        t, "b", sample_id="samples/s-2", thumbs={"up": False}, tags=["y"], user_id="u2", source="labelling-tool"
    )
    await asyncio.sleep(0.02)
    c = await fb.submit(t, "c", preference={"chosen_sample_id": "samples/s-2", "rejected_sample_id": "samples/s-1"})

    async def names(**flt) -> list[str]:
        page = await fb.list(t, filter=feedback_pb2.FeedbackFilter(**flt))
        return [f.name.split("/")[1] for f in page.feedback]

    assert await names() == ["c", "b", "a"]
    assert await names(model="models/m-1") == ["c", "a"]  # a preference matches either sample's model
    assert await names(model="models/m-2") == ["c", "b"]
    assert await names(tag="y") == ["b", "a"] and await names(tag="x") == ["a"] and await names(tag="X") == []
    assert await names(user_id="u2") == ["b"] and await names(source="chat-ui") == ["a"]
    assert await names(start_time=b.create_time) == ["c", "b"]
    assert await names(end_time=b.create_time) == ["a"]
    assert await names(start_time=a.create_time, end_time=c.create_time, tag="y") == ["b", "a"]
    err = await _error(fb.list(t, filter=feedback_pb2.FeedbackFilter(start_time=b.create_time, end_time=a.create_time)))
    assert [f for f, _ in field_violations(err)] == ["filter.end_time"]


async def test_list_pagination_and_bad_tokens(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"))
    ids = [f"f{i}" for i in range(7)]
    for i, fid in enumerate(ids):
        await fb.submit(t, fid, sample_id="samples/s-1", thumbs={"up": True}, tags=["even" if i % 2 == 0 else "odd"])
    seen, token = [], ""
    while True:
        page = await fb.list(t, page_size=2, page_token=token)
        assert len(page.feedback) <= 2
        seen += [f.name for f in page.feedback]
        if not (token := page.next_page_token):
            break
    assert seen == [f"feedback/{fid}" for fid in reversed(ids)]

    even = feedback_pb2.FeedbackFilter(tag="even")
    first = await fb.list(t, page_size=3, filter=even)
    rest = await fb.list(t, page_size=3, filter=even, page_token=first.next_page_token)
    assert [f.name for f in [*first.feedback, *rest.feedback]] == [
        "feedback/f6",
        "feedback/f4",
        "feedback/f2",
        "feedback/f0",
    ]
    assert rest.next_page_token == ""

    for bad, flt in (
        ("garbage", None),
        (first.next_page_token, feedback_pb2.FeedbackFilter(tag="odd")),
        (first.next_page_token, None),
        (first.next_page_token + "x", even),
    ):
        err = await _error(fb.list(t, page_token=bad, filter=flt))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in field_violations(err)] == ["page_token"]
    err = await _error(fb.list(t, page_size=-1))
    assert [f for f, _ in field_violations(err)] == ["page_size"]


# -- export ----------------------------------------------------------------------------------------
async def _rated_feedback(fb, t) -> None:
    """Prompt P: a rated 5, b rated 4 then thumbs up (mean 0.875), c rated 3, d rated 3 (tie with c);
    a correction of d; prompt Q: one rated sample; and a preference between texts."""
    await fb.plant(t, *(sample(s, prompt="P") for s in "abcd"), sample("q", prompt="Q"))
    await fb.submit(t, sample_id="samples/a", rating={"value": 5}, tags=["run-1"])
    await fb.submit(t, sample_id="samples/b", rating={"value": 4})
    await fb.submit(t, sample_id="samples/b", thumbs={"up": True})
    await fb.submit(t, sample_id="samples/c", rating={"value": 3})
    await fb.submit(t, sample_id="samples/d", rating={"value": 6, "scale_min": 0, "scale_max": 12})
    await fb.submit(t, sample_id="samples/d", correction={"text": "a better d"})
    await fb.submit(t, sample_id="samples/q", rating={"value": 1})
    await fb.submit(t, preference={"prompt": "R", "chosen_text": "yes", "rejected_text": "no"}, tags=["run-1"])


async def test_export_preference_pairs_with_counters(fb):
    t = await fb.gw.tenant()
    await _rated_feedback(fb, t)
    # scores: a 1.0, b 0.875, c 0.5, d 0.5 -> candidates ab .125, ac .5, ad .5, bc .375, bd .375, cd tie
    res = await fb.export(
        t,
        kind=PAIRS,
        display_name="prefs",
        request_id="e-1",
        pairing=feedback_pb2.PreferencePairing(min_rating_gap=0.25, max_pairs_per_prompt=3),
    )
    assert (
        res.matched_feedback_count,
        res.record_count,
        res.dropped_tie_count,
        res.dropped_gap_count,
        res.dropped_limit_count,
        res.unused_feedback_count,
    ) == (8, 5, 1, 1, 1, 1)
    lines = _dataset_lines(fb.gw, t, res.dataset)
    assert [(r["prompt"], r["chosen"], r["rejected"]) for r in lines] == [
        ("P", "a better d", "answer d"),
        ("R", "yes", "no"),
        ("P", "answer a", "answer c"),
        ("P", "answer a", "answer d"),
        ("P", "answer b", "answer c"),
    ]
    ds = await fb.gw.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=res.dataset), metadata=t.md)
    assert ds.format == datasets_pb2.DATASET_FORMAT_PREFERENCE and ds.num_records == 5
    assert ds.display_name == "prefs" and len(ds.sha256) == 64
    listed = await fb.gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert [d.name for d in listed.datasets] == [res.dataset]

    filtered = await fb.export(t, kind=PAIRS, filter=feedback_pb2.FeedbackFilter(tag="run-1"))
    assert (filtered.matched_feedback_count, filtered.record_count, filtered.unused_feedback_count) == (2, 1, 1)
    both = await fb.export(
        t, kind=PAIRS, pairing=feedback_pb2.PreferencePairing(ties=feedback_pb2.TIE_HANDLING_BOTH_ORDERS)
    )
    assert (both.record_count, both.dropped_tie_count, both.unused_feedback_count) == (2 + 7, 0, 1)
    ds = await fb.gw.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=both.dataset), metadata=t.md)
    assert ds.display_name.startswith("feedback export ")


async def test_export_prompts_and_after_samples_expired(fb):
    t = await fb.gw.tenant()
    await _rated_feedback(fb, t)
    keys = _keys(fb.gw)
    await fb.gw.server.redis.delete(*(keys.sample(t.name, s) for s in "abcdq"))
    res = await fb.export(t, kind=PROMPTS)
    assert (res.matched_feedback_count, res.record_count, res.unused_feedback_count) == (8, 3, 0)
    assert _dataset_lines(fb.gw, t, res.dataset) == [{"prompt": "P"}, {"prompt": "Q"}, {"prompt": "R"}]
    ds = await fb.gw.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=res.dataset), metadata=t.md)
    assert ds.format == datasets_pb2.DATASET_FORMAT_PROMPTS and ds.num_records == 3
    pairs = await fb.export(t, kind=PAIRS)
    assert pairs.record_count > 0


async def test_export_with_nothing_to_write_creates_no_dataset(fb):
    t = await fb.gw.tenant()
    err = await _error(fb.export(t, kind=PAIRS, request_id="empty"))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "0 feedback records" in err.details()
    await fb.plant(t, sample("s-1"))
    await fb.submit(t, sample_id="samples/s-1", rating={"value": 3})  # a lone sample: no pair
    err = await _error(fb.export(t, kind=PAIRS))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "1 feedback records" in err.details()
    err = await _error(fb.export(t, kind=PROMPTS, filter=feedback_pb2.FeedbackFilter(tag="none")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    listed = await fb.gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert list(listed.datasets) == []
    assert not [p for p in (fb.gw.config.data_dir / "artifacts").rglob("*") if p.is_file()]
    # The failed export did not consume its request_id.
    assert (await fb.export(t, kind=PROMPTS, request_id="empty")).record_count == 1


async def test_export_is_idempotent_by_request_id(fb):
    t = await fb.gw.tenant()
    await fb.plant(t, sample("s-1"), sample("s-2"))
    await fb.submit(t, sample_id="samples/s-1", thumbs={"up": True})
    await fb.submit(t, sample_id="samples/s-2", thumbs={"up": False})
    first = await fb.export(t, kind=PAIRS, request_id="exp-1")
    await fb.submit(t, sample_id="samples/s-2", thumbs={"up": True})  # would change a fresh export
    again = await fb.export(t, kind=PAIRS, request_id="exp-1")
    assert again == first
    listed = await fb.gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert len(listed.datasets) == 1
    err = await _error(fb.export(t, kind=PROMPTS, request_id="exp-1"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err)] == ["request_id"]
    # Upload and export request ids live apart.
    upload = await fb.gw.upload(t, b'{"prompt": "p", "completion": "c"}\n', request_id="exp-1")
    assert upload.name != first.dataset


async def test_export_validation(fb):
    t = await fb.gw.tenant()
    for request, field in (
        (feedback_pb2.ExportFeedbackRequest(), "kind"),
        (feedback_pb2.ExportFeedbackRequest(kind=PAIRS, pairing={"min_rating_gap": 1}), "pairing.min_rating_gap"),
        (feedback_pb2.ExportFeedbackRequest(kind=PAIRS, display_name="x" * 201), "display_name"),
    ):
        err = await _error(fb.stub.ExportFeedback(request, metadata=t.md))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in field_violations(err)] == [field]
