"""DatasetService: uploads stream through the DatasetWriter; metadata in Redis, bytes in artifacts."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

from kiln.v1 import datasets_pb2, datasets_pb2_grpc
from kiln_server.datasets.builtin import is_builtin
from kiln_server.datasets.convert import FORMATS, dataset_proto
from kiln_server.datasets.record import DatasetRecord
from kiln_server.datasets.store import DatasetStore
from kiln_server.datasets.writer import DatasetWriter
from kiln_server.platform import metrics, names, validate
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, NotFound


class DatasetService(datasets_pb2_grpc.DatasetServiceServicer):
    def __init__(self, store: DatasetStore, writer: DatasetWriter):
        self.store = store
        self.writer = writer

    async def UploadDataset(self, request_iterator, context):
        tenant = current_tenant()
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise InvalidArgument.field("metadata", "the first message of an upload must carry metadata")
        meta = first.metadata
        _check_metadata(meta)
        # The whole metadata (a prefix of it let two uploads differing past byte 32 share an id).
        # The data itself streams after this check; expected_sha256, when given, covers it.
        fingerprint = hashlib.sha256(meta.SerializeToString(deterministic=True)).hexdigest()
        if (earlier := await self.store.seen_request(tenant, meta.request_id, fingerprint)) is not None:
            record = await self.store.get(tenant, earlier)
            if record is not None:
                return dataset_proto(record)
        record = await self.writer.commit(
            tenant,
            _chunks(request_iterator),
            fmt=FORMATS[meta.format],
            display_name=meta.display_name,
            labels=dict(meta.labels),
            expected_sha256=meta.expected_sha256,
            request_id=meta.request_id,
            fingerprint=fingerprint,
        )
        metrics.UPLOAD_BYTES.inc(record.size_bytes)
        return dataset_proto(record)

    async def GetDataset(self, request, context):
        return dataset_proto(await self._record(request.name))

    async def ListDatasets(self, request, context):
        records, token = await self.store.list_page(current_tenant(), request.page_size, request.page_token, "datasets")
        return datasets_pb2.ListDatasetsResponse(datasets=[dataset_proto(r) for r in records], next_page_token=token)

    async def DeleteDataset(self, request, context):
        record = await self._record(request.name)
        if is_builtin(record.id):
            raise FailedPrecondition(f"{request.name} is built in and cannot be deleted", subject=request.name)
        await self.store.delete(current_tenant(), record.id)
        await asyncio.to_thread(self.writer.artifacts.delete, record.artifact_rel.rsplit("/", 1)[0])
        if self.writer.ledger is not None:
            await self.writer.ledger.release(current_tenant(), record.size_bytes)
        return datasets_pb2.DeleteDatasetResponse()

    async def _record(self, name: str) -> DatasetRecord:
        record = await self.store.get(current_tenant(), names.parse(name, "datasets"))
        if record is None:
            raise NotFound("dataset", name)
        return record


async def _chunks(request_iterator) -> AsyncIterator[bytes]:
    async for msg in request_iterator:
        if msg.WhichOneof("payload") != "chunk":
            raise InvalidArgument.field("metadata", "metadata may only appear in the first message")
        yield msg.chunk


def _check_metadata(meta: datasets_pb2.DatasetMetadata) -> None:
    validate.check(meta, "metadata")
    if meta.format not in FORMATS:
        choices = ", ".join(name.upper() for name in FORMATS.values())
        raise InvalidArgument.field("metadata.format", f"required: one of {choices}")
    if not 1 <= len(meta.display_name) <= 200:
        raise InvalidArgument.field("metadata.display_name", "must be 1 to 200 characters")
    if len(meta.request_id) > 128:
        raise InvalidArgument.field("metadata.request_id", "at most 128 characters")
