"""DatasetService's RPCs called in process: uploads commit through the writer; get, list, delete."""

from __future__ import annotations

import pytest

from kiln.v1 import datasets_pb2 as D
from kiln_server.datasets.service import DatasetService
from kiln_server.datasets.store import DatasetStore
from kiln_server.datasets.writer import DatasetWriter
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import tenant_var
from kiln_server.platform.errors import InvalidArgument, NotFound

DATA = b'{"prompt": "a", "completion": "b"}\n'


@pytest.fixture
def service(redis_client, keys, tmp_path) -> DatasetService:
    store = DatasetStore(redis_client, keys)
    tenant_var.set("t")
    return DatasetService(store, DatasetWriter(store, ArtifactStore(str(tmp_path / "a")), tmp_path / "s", 1000))


async def upload(*messages: D.UploadDatasetRequest):
    for m in messages:
        yield m


def meta(**kw) -> D.UploadDatasetRequest:
    return D.UploadDatasetRequest(metadata=D.DatasetMetadata(display_name="d", format=D.DATASET_FORMAT_SFT, **kw))


async def test_upload_get_list_delete(service, tmp_path):
    ds = await service.UploadDataset(upload(meta(request_id="r"), D.UploadDatasetRequest(chunk=DATA)), None)
    assert ds.num_records == 1 and ds.format == D.DATASET_FORMAT_SFT
    again = await service.UploadDataset(upload(meta(request_id="r"), D.UploadDatasetRequest(chunk=DATA)), None)
    assert again.name == ds.name
    assert await service.GetDataset(D.GetDatasetRequest(name=ds.name), None) == ds
    assert [d.name for d in (await service.ListDatasets(D.ListDatasetsRequest(), None)).datasets] == [ds.name]
    await service.DeleteDataset(D.DeleteDatasetRequest(name=ds.name), None)
    with pytest.raises(NotFound):
        await service.GetDataset(D.GetDatasetRequest(name=ds.name), None)
    assert not [p for p in (tmp_path / "a").rglob("*") if p.is_file()]


async def test_metadata_comes_first_and_only_once(service):
    with pytest.raises(InvalidArgument) as err:
        await service.UploadDataset(upload(D.UploadDatasetRequest(chunk=DATA)), None)
    assert err.value.violations[0].field == "metadata"
    with pytest.raises(InvalidArgument) as err:
        await service.UploadDataset(upload(meta(), meta()), None)
    assert err.value.violations[0].field == "metadata"
    assert not (await service.ListDatasets(D.ListDatasetsRequest(), None)).datasets
