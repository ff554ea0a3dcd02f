"""Creating datasets through the one writer: validated bytes in, file and record out, or nothing."""

from __future__ import annotations

import hashlib

import pytest

from kiln.v1 import datasets_pb2
from kiln_server.datasets.convert import FORMAT_ENUMS, FORMATS, dataset_proto, format_label
from kiln_server.datasets.store import DatasetStore
from kiln_server.datasets.writer import DatasetWriter
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import InvalidArgument, ResourceExhausted

LINES = [b'{"prompt": "a", "completion": "b"}\n', b'{"prompt": "c", "completion": "d"}\n']


@pytest.fixture
def writer(redis_client, keys, tmp_path) -> DatasetWriter:
    return DatasetWriter(DatasetStore(redis_client, keys), ArtifactStore(str(tmp_path / "a")), tmp_path / "s", 10_000)


def files(writer: DatasetWriter) -> list:
    return sorted(p for p in (writer.scratch.parent / "a").rglob("*") if p.is_file())


async def test_commit_stores_the_bytes_and_their_record(writer):
    record = await writer.commit("t", iter(LINES), fmt="sft", display_name="demo", labels={"k": "v"})
    assert record.num_records == 2 and record.size_bytes == sum(map(len, LINES))
    assert record.sha256 == hashlib.sha256(b"".join(LINES)).hexdigest()
    assert record.format_enum == datasets_pb2.DATASET_FORMAT_SFT
    assert await writer.store.get("t", record.id) == record
    assert writer.artifacts.local_path(record.artifact_rel).read_bytes() == b"".join(LINES)
    proto = dataset_proto(record)
    assert proto.name == f"datasets/{record.id}" and proto.labels["k"] == "v" and proto.create_time.seconds > 0


async def test_chunks_may_come_from_an_async_stream_split_anywhere(writer):
    data = b"".join(LINES)

    async def chunks():
        for i in range(0, len(data), 7):
            yield data[i : i + 7]

    assert (await writer.commit("t", chunks(), fmt="sft", display_name="x")).num_records == 2


async def test_the_same_request_id_gives_the_first_dataset(writer):
    first = await writer.commit("t", iter(LINES), fmt="sft", display_name="x", request_id="r", fingerprint="f")
    again = await writer.commit("t", iter(LINES), fmt="sft", display_name="x", request_id="r", fingerprint="f")
    assert again.id == first.id and len(files(writer)) == 1


@pytest.mark.parametrize(
    ("lines", "error", "field"),
    [
        ([b'{"prompt": "a"}\n'], InvalidArgument, "chunk.line[1].completion"),
        ([LINES[0], b"not json\n"], InvalidArgument, "chunk.line[2]"),
        ([b"\n"], InvalidArgument, "chunk"),
        ([LINES[0]] * 400, ResourceExhausted, None),
    ],
)
async def test_bad_bytes_leave_nothing_behind(writer, lines, error, field):
    with pytest.raises(error) as err:
        await writer.commit("t", iter(lines), fmt="sft", display_name="x")
    if field is not None:
        assert err.value.violations[0].field == field
    assert files(writer) == [] and not list(writer.scratch.glob("*"))
    assert (await writer.store.list_page("t", 10, "", "all"))[0] == []


async def test_a_checksum_mismatch_is_refused(writer):
    with pytest.raises(InvalidArgument) as err:
        await writer.commit("t", iter(LINES), fmt="sft", display_name="x", expected_sha256="00" * 32)
    assert err.value.violations[0].field == "metadata.expected_sha256" and files(writer) == []


def test_format_names_come_from_the_proto():
    assert FORMATS[datasets_pb2.DATASET_FORMAT_PREFERENCE] == "preference"
    assert FORMAT_ENUMS["prompts"] == datasets_pb2.DATASET_FORMAT_PROMPTS
    assert format_label("sft") == "DATASET_FORMAT_SFT"
    assert set(FORMATS.values()) == {"sft", "preference", "prompts", "image"}


@pytest.mark.parametrize(
    ("data", "field", "why"),
    [
        (b"\xef\xbb\xbf" + LINES[0], "chunk.line[1]", "byte order mark"),
        ('{"prompt": "a", "completion": "b"}\n'.encode("utf-16"), "chunk.line[1]", "not valid UTF-8"),
        (LINES[0] + b'{"prompt": "\\udc00", "completion": "b"}\n', "chunk.line[2]", "surrogate"),
        (LINES[0] + b"\xc3\x28\n", "chunk.line[2]", "not valid UTF-8"),
    ],
)
async def test_encodings_the_trainers_cannot_read_are_refused_naming_the_line(writer, data, field, why):
    with pytest.raises(InvalidArgument, match=why) as err:
        await writer.commit("t", iter([data]), fmt="sft", display_name="x")
    assert err.value.violations[0].field == field
    assert files(writer) == [] and not list((writer.artifacts.local_path("datasets") or writer.scratch).glob("*/*"))
    assert not list(writer.scratch.glob("upload-*"))


async def test_a_row_over_the_limit_is_refused_before_the_whole_line_arrives(redis_client, keys, tmp_path):
    from kiln_server.datasets import ingest

    writer = DatasetWriter(DatasetStore(redis_client, keys), ArtifactStore(str(tmp_path / "a")), tmp_path / "s", 10**8)
    chunks = (b"x" * 65536 for _ in range(ingest.MAX_ROW_BYTES // 65536 + 2))  # one line, never ending
    with pytest.raises(InvalidArgument, match="at most") as err:
        await writer.commit("t", chunks, fmt="sft", display_name="x")
    assert err.value.violations[0].field == "chunk.line[1]"


def test_scratch_files_of_interrupted_uploads_are_cleaned(tmp_path):
    from kiln_server.datasets.writer import clean_scratch

    for sub in ("uploads", "exports"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "upload-abc.jsonl").write_bytes(b"half")
    (tmp_path / "uploads" / "keep.txt").write_bytes(b"not ours")
    assert clean_scratch(tmp_path) == 2
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["keep.txt"]
