"""The feedback stream: append once per feedback_id, list and scan with filters, live scores."""

from __future__ import annotations

from kiln_server.feedback.record import FeedbackRecord
from kiln_server.feedback.store import FeedbackStore
from kiln_server.feedback.submission import FeedbackFilter
from kiln_server.feedback.wait import wait_for_scores


def thumbs(fid: str, sample: str, up: bool, tag: str = "") -> FeedbackRecord:
    return FeedbackRecord(fid, "thumbs", {"up": up}, f"samples/{sample}", tags=[tag] if tag else [])


async def test_append_once_and_find(redis_client, keys):
    store = FeedbackStore(redis_client, keys)
    assert (await store.append("t", thumbs("f-1", "s-1", True), "fp"))[0]
    assert await store.append("t", thumbs("f-1", "s-1", False), "fp2") == (False, "fp")
    found, fingerprint = await store.find("t", "f-1")
    assert found.signal == {"up": True} and fingerprint == "fp" and found.create_ms > 0
    assert await store.find("t", "f-2") is None


async def test_newest_first_pages_and_oldest_first_scans_with_a_filter(redis_client, keys):
    store = FeedbackStore(redis_client, keys)
    for i in range(7):
        await store.append("t", thumbs(f"f-{i}", f"s-{i}", True, tag="keep" if i % 2 else ""), "fp")
    flt = FeedbackFilter(tag="keep")
    page, more = await store.newest_first("t", flt, limit=2)
    assert [r.feedback_id for r in page] == ["f-5", "f-3"] and more
    page, more = await store.newest_first("t", flt, before=page[-1].entry_id, limit=2)
    assert [r.feedback_id for r in page] == ["f-1"] and not more
    assert [r.feedback_id async for r in store.oldest_first("t", flt)] == ["f-1", "f-3", "f-5"]


async def test_a_job_waits_for_scores_on_its_samples(redis_client, sync_redis, keys):
    store = FeedbackStore(redis_client, keys)
    await store.append("t", thumbs("f-0", "s-a", True), "fp")  # before the job asked: not counted
    start = (await redis_client.xrevrange(keys.feedback("t"), count=1))[0][0].decode()
    await store.append("t", thumbs("f-1", "s-a", False), "fp")
    await store.append("t", thumbs("f-2", "s-a", True), "fp")
    await store.append("t", thumbs("f-3", "s-other", True), "fp")
    rating = FeedbackRecord("f-4", "rating", {"value": 4.0, "scale_min": 0.0, "scale_max": 0.0}, "samples/s-b")
    await store.append("t", rating, "fp")
    scores = wait_for_scores(sync_redis, keys, "t", ["s-a", "s-b"], start, 5.0, lambda: False)
    assert scores == {"s-a": 0.5, "s-b": 0.75}
