"""DatasetService over real gRPC and Redis: upload, validation, limits, idempotency, paging."""

from __future__ import annotations

import grpc
import pytest

from kiln.v1 import datasets_pb2
from tests.e2e.conftest import field_violations, upload_stream

GOOD = (
    b'{"prompt": "2+2?", "completion": "4"}\n'
    b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
)


def _leftovers(gw) -> list:
    root = gw.config.data_dir
    return [p for p in (root / "artifacts").rglob("*") if p.is_file()] + [
        p for p in (root / "scratch").rglob("*") if p.is_file()
    ]


async def test_upload_get_list_delete(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, GOOD, chunk_size=7)  # lines split across chunks
    assert ds.num_records == 2 and ds.size_bytes == len(GOOD) and len(ds.sha256) == 64
    got = await gateway.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=ds.name), metadata=t.md)
    assert got == ds
    listed = await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert [d.name for d in listed.datasets] == [ds.name]
    await gateway.datasets.DeleteDataset(datasets_pb2.DeleteDatasetRequest(name=ds.name), metadata=t.md)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=ds.name), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert _leftovers(gateway) == []


@pytest.mark.parametrize(
    ("data", "field", "fmt"),
    [
        (b'{"prompt": "a", "completion": "b"}\n{"prompt": "a"}\n', "chunk.line[2].completion", "SFT"),
        (b'{"prompt": "a", "completion": "b"}\n\n{not json}\n', "chunk.line[3]", "SFT"),
        (b'{"prompt": "p", "chosen": "a", "rejected": ""}\n', "chunk.line[1].rejected", "PREFERENCE"),
        (b'{"prompt": 3}\n', "chunk.line[1].prompt", "PROMPTS"),
    ],
)
async def test_bad_line_names_line_and_field_and_leaves_nothing(gateway, data, field, fmt):
    t = await gateway.tenant()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.upload(t, data, fmt=datasets_pb2.DatasetFormat.Value(f"DATASET_FORMAT_{fmt}"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]
    assert "line" in err.value.details()
    listed = await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert list(listed.datasets) == []
    assert _leftovers(gateway) == []


async def test_oversize_upload_is_resource_exhausted_and_leaves_nothing(gateway_factory):
    gateway = await gateway_factory(max_upload_bytes=1000)
    t = await gateway.tenant()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        # One chunk: an aio client that is still streaming when the server ends the call reports
        # its own failed write instead of the server's status, which would hide what we test.
        await gateway.upload(t, GOOD * 20, chunk_size=1 << 20)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "1000 bytes" in err.value.details()
    listed = await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert list(listed.datasets) == []
    assert _leftovers(gateway) == []


async def test_metadata_must_come_first_and_format_is_required(gateway):
    t = await gateway.tenant()

    async def chunk_first():
        yield datasets_pb2.UploadDatasetRequest(chunk=GOOD)

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.datasets.UploadDataset(chunk_first(), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value)[0][0] == "metadata"

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.datasets.UploadDataset(
            upload_stream(GOOD, datasets_pb2.DATASET_FORMAT_UNSPECIFIED), metadata=t.md
        )
    assert field_violations(err.value)[0][0] == "metadata.format"


async def test_sha_mismatch_rejected(gateway):
    t = await gateway.tenant()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.upload(t, GOOD, expected_sha256="0" * 64)
    assert field_violations(err.value)[0][0] == "metadata.expected_sha256"
    assert _leftovers(gateway) == []


async def test_idempotent_upload(gateway):
    t = await gateway.tenant()
    a = await gateway.upload(t, GOOD, request_id="up-1")
    b = await gateway.upload(t, GOOD, request_id="up-1")
    assert a.name == b.name
    listed = await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert len(listed.datasets) == 1


async def test_pagination_and_bad_page_token(gateway):
    t = await gateway.tenant()
    names = [(await gateway.upload(t, GOOD, display_name=f"d{i}")).name for i in range(5)]
    seen, token = [], ""
    while True:
        page = await gateway.datasets.ListDatasets(
            datasets_pb2.ListDatasetsRequest(page_size=2, page_token=token), metadata=t.md
        )
        seen += [d.name for d in page.datasets]
        assert len(page.datasets) <= 2
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(names))  # newest first, each exactly once
    for bad in ("garbage", token + "x", page.next_page_token or "AAAA"):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(page_token=bad), metadata=t.md)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(err.value)[0][0] == "page_token"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(page_size=-1), metadata=t.md)
    assert field_violations(err.value)[0][0] == "page_size"
