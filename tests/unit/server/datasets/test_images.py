"""Image datasets through the writer and the service: strict per-row checks, built-in digits."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

import numpy as np
import pytest

from kiln.v1 import datasets_pb2 as D
from kiln_server.datasets.service import DatasetService
from kiln_server.datasets.store import DatasetStore
from kiln_server.datasets.writer import DatasetWriter
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import tenant_var
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument
from kiln_trainer.data.images import encode_png, image_record

NOISE_PNG = encode_png(np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8))


def line(obj: dict) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def gray(h: int = 5, w: int = 7, label: int | None = 1) -> bytes:
    return line(image_record(np.arange(h * w, dtype=np.uint8).reshape(h, w), label))


def rgb(label: int | None = 1) -> bytes:
    return line(image_record(np.zeros((4, 4, 3), np.uint8), label))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and IHDR claiming width x height, with no pixel data at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def writer(redis_client, keys, tmp_path) -> DatasetWriter:
    return DatasetWriter(DatasetStore(redis_client, keys), ArtifactStore(str(tmp_path / "a")), tmp_path / "s", 10**6)


def stored(writer: DatasetWriter) -> list:
    return [p for p in (writer.scratch.parent / "a").rglob("*") if p.is_file()]


async def test_images_of_any_size_with_labels_are_stored(writer):
    rows = [gray(5, 7, 0), gray(9, 3, 4), gray(1, 1, 9)]
    record = await writer.commit("t", iter(rows), fmt="image", display_name="imgs")
    assert record.format == "image" and record.format_enum == D.DATASET_FORMAT_IMAGE and record.num_records == 3


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([gray(), line({"png": b64(b"\x89PNG\r\n\x1a\n garbage")})], "chunk.line[2].png"),
        ([line({"png": "***not base64***"})], "chunk.line[1].png"),
        ([line({"png": b64(NOISE_PNG[: len(NOISE_PNG) // 2])})], "chunk.line[1].png"),
        ([line({"png": b64(png_header_only(20_000, 20_000))})], "chunk.line[1].png"),
        ([line({"png": b64(png_header_only(0, 0))})], "chunk.line[1].png"),
        ([line({"label": 1})], "chunk.line[1].png"),
        ([gray(label=1), line({**image_record(np.zeros((2, 2), np.uint8)), "label": "3"})], "chunk.line[2].label"),
        ([line({**image_record(np.zeros((2, 2), np.uint8)), "label": True})], "chunk.line[1].label"),
        ([line({**image_record(np.zeros((2, 2), np.uint8)), "label": -1})], "chunk.line[1].label"),
        ([gray(), gray(), rgb()], "chunk.line[3].png"),
        ([gray(label=2), gray(label=None)], "chunk.line[2].label"),
        ([gray(label=None), gray(label=2)], "chunk.line[2].label"),
    ],
    ids=[
        "undecodable",
        "not-base64",
        "truncated",
        "huge-header",
        "0x0",
        "no-png",
        "label-str",
        "label-bool",
        "label-negative",
        "mixed-channels",
        "label-missing",
        "label-extra",
    ],
)
async def test_a_bad_row_is_named_and_nothing_is_stored(writer, rows, field):
    with pytest.raises(InvalidArgument) as err:
        await writer.commit("t", iter(rows), fmt="image", display_name="x")
    assert err.value.violations[0].field == field
    assert stored(writer) == [] and (await writer.store.list_page("t", 10, "", "all"))[0] == []


def test_a_huge_header_is_refused_without_decoding(monkeypatch):
    """The size check runs on the header: decoding would need 400 MB and fail differently."""
    from PIL import PngImagePlugin

    from kiln_trainer.data.formats import RecordError
    from kiln_trainer.data.images import decode_png

    def no_load(self):  # pragma: no cover - must not run
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_load)
    with pytest.raises(RecordError, match="20000x20000"):
        decode_png(png_header_only(20_000, 20_000))


@pytest.fixture
def service(redis_client, keys, tmp_path) -> DatasetService:
    store = DatasetStore(redis_client, keys)
    tenant_var.set("t")
    return DatasetService(store, DatasetWriter(store, ArtifactStore(str(tmp_path / "a")), tmp_path / "s", 10**6))


async def test_digits_is_readable_by_every_tenant_and_cannot_be_deleted(service):
    for tenant in ("t", "u"):
        tenant_var.set(tenant)
        ds = await service.GetDataset(D.GetDatasetRequest(name="datasets/digits"), None)
        assert ds.format == D.DATASET_FORMAT_IMAGE and 1400 < ds.num_records < 1600
    with pytest.raises(FailedPrecondition):
        await service.DeleteDataset(D.DeleteDatasetRequest(name="datasets/digits"), None)


async def test_an_image_upload_through_the_service(service):
    async def upload():
        yield D.UploadDatasetRequest(metadata=D.DatasetMetadata(display_name="d", format=D.DATASET_FORMAT_IMAGE))
        data = gray() + gray()
        yield D.UploadDatasetRequest(chunk=data[:10])
        yield D.UploadDatasetRequest(chunk=data[10:])

    assert (await service.UploadDataset(upload(), None)).num_records == 2


def test_png_round_trip_keeps_pixels():
    from PIL import Image

    px = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    assert (np.asarray(Image.open(io.BytesIO(encode_png(px)))) == px).all()
