"""The shared repository mechanics against a real Redis: idempotent create and paged listing."""

from __future__ import annotations

import pytest

from kiln_server.datasets.record import DatasetRecord
from kiln_server.datasets.store import DatasetStore
from kiln_server.platform.errors import InvalidArgument


def dataset(i: int, create_time: int, fmt: str = "sft") -> DatasetRecord:
    return DatasetRecord(
        id=f"d-{i:04d}",
        display_name=f"set {i}",
        format=fmt,
        format_enum=1,
        num_records=i,
        size_bytes=10 * i,
        sha256="0" * 64,
        create_time=create_time,
        artifact_rel=f"datasets/t/d-{i:04d}/data.jsonl",
    )


@pytest.fixture
def store(redis_client, keys) -> DatasetStore:
    return DatasetStore(redis_client, keys)


async def test_create_is_idempotent_per_request_id(store):
    first = await store.create("t", dataset(1, 1000), request_id="r", fingerprint="fp-a")
    again = await store.create("t", dataset(2, 2000), request_id="r", fingerprint="fp-a")
    assert first == again == "d-0001"
    assert await store.get("t", "d-0002") is None  # the retry wrote nothing
    assert await store.seen_request("t", "r", "fp-a") == "d-0001"
    with pytest.raises(InvalidArgument) as err:
        await store.create("t", dataset(3, 3000), request_id="r", fingerprint="fp-b")
    assert err.value.violations[0].field == "request_id"
    with pytest.raises(InvalidArgument):
        await store.seen_request("t", "r", "fp-b")


async def test_records_are_per_tenant(store):
    await store.create("t", dataset(1, 1000))
    assert await store.get("other", "d-0001") is None
    assert (await store.get("t", "d-0001")) == dataset(1, 1000)


async def test_pages_walk_newest_first_through_ties_without_gaps_or_repeats(store):
    # Three records share each creation time: a page boundary inside a tie must not skip any.
    for i in range(10):
        await store.create("t", dataset(i, 1000 + i // 3))
    seen, token = [], ""
    while True:
        page, token = await store.list_page("t", 4, token, "all")
        seen += [r.id for r in page]
        if not token:
            break
    assert sorted(seen) == [f"d-{i:04d}" for i in range(10)] and len(seen) == 10
    assert [int(s[2:]) // 3 for s in seen] == sorted((int(s[2:]) // 3 for s in seen), reverse=True)


async def test_a_filter_keeps_the_cursor_valid(store):
    for i in range(9):
        await store.create("t", dataset(i, 1000 + i, fmt="sft" if i % 3 else "prompts"))
    seen, token = [], ""
    while True:
        page, token = await store.list_page("t", 2, token, "prompts", lambda r: r.format == "prompts")
        seen += [r.id for r in page]
        if not token:
            break
    assert seen == ["d-0006", "d-0003", "d-0000"]


async def test_delete_removes_record_and_index_entry(store):
    await store.create("t", dataset(1, 1000))
    assert await store.delete("t", "d-0001")
    assert await store.get("t", "d-0001") is None
    assert (await store.list_page("t", 10, "", "all"))[0] == []
    assert not await store.delete("t", "d-0001")
