"""DatasetService: streams uploads through DatasetIngest; metadata in Redis, bytes in artifacts."""

from __future__ import annotations

import asyncio
import json
import time

from kiln.v1 import datasets_pb2, datasets_pb2_grpc
from kiln_server.datasets.convert import dataset_proto
from kiln_server.datasets.ingest import DatasetIngest
from kiln_server.datasets.store import DatasetStore
from kiln_server.platform import metrics, names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import InvalidArgument, NotFound

_FORMATS = {
    datasets_pb2.DATASET_FORMAT_SFT: "sft",
    datasets_pb2.DATASET_FORMAT_PREFERENCE: "preference",
    datasets_pb2.DATASET_FORMAT_PROMPTS: "prompts",
}


class DatasetService(datasets_pb2_grpc.DatasetServiceServicer):
    def __init__(self, store: DatasetStore, artifacts: ArtifactStore, scratch, max_bytes: int):
        self.store = store
        self.artifacts = artifacts
        self.scratch = scratch
        self.max_bytes = max_bytes

    async def UploadDataset(self, request_iterator, context):
        tenant = current_tenant()
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise InvalidArgument.field("metadata", "the first message of an upload must carry metadata")
        meta = first.metadata
        _check_metadata(meta)
        fingerprint = meta.SerializeToString(deterministic=True).hex()[:64]
        if (earlier := await self.store.seen_request(tenant, meta.request_id, fingerprint)) is not None:
            record = await self.store.get(tenant, earlier)
            if record is not None:
                return dataset_proto(record)
        ingest = DatasetIngest(_FORMATS[meta.format], self.scratch, self.max_bytes)
        dataset_id = names.new_id("datasets")
        rel = f"datasets/{tenant}/{dataset_id}/data.jsonl"
        try:
            async for msg in request_iterator:
                if msg.WhichOneof("payload") != "chunk":
                    raise InvalidArgument.field("metadata", "metadata may only appear in the first message")
                ingest.feed(msg.chunk)
            digest = ingest.finish(meta.expected_sha256)
            await asyncio.to_thread(self.artifacts.put_file, ingest.path, rel)
            now = int(time.time() * 1000)
            fields = {
                "id": dataset_id,
                "display_name": meta.display_name,
                "format": _FORMATS[meta.format],
                "format_enum": str(meta.format),
                "num_records": str(ingest.records),
                "size_bytes": str(ingest.size),
                "sha256": digest,
                "create_time": str(now),
                "labels": json.dumps(dict(meta.labels)),
                "artifact_rel": rel,
            }
            stored_id = await self.store.create(
                tenant, dataset_id, fields, score_ms=now, request_id=meta.request_id, fingerprint=fingerprint
            )
            if stored_id != dataset_id:  # a concurrent retry with the same request_id won the race
                await asyncio.to_thread(self.artifacts.delete, rel)
            metrics.UPLOAD_BYTES.inc(ingest.size)
            return dataset_proto(await self.store.get(tenant, stored_id))
        except BaseException:
            await asyncio.to_thread(self.artifacts.delete, rel)
            raise
        finally:
            ingest.discard()

    async def GetDataset(self, request, context):
        tenant = current_tenant()
        record = await self.store.get(tenant, names.parse(request.name, "datasets"))
        if record is None:
            raise NotFound("dataset", request.name)
        return dataset_proto(record)

    async def ListDatasets(self, request, context):
        records, token = await self.store.list_page(current_tenant(), request.page_size, request.page_token, "datasets")
        return datasets_pb2.ListDatasetsResponse(datasets=[dataset_proto(r) for r in records], next_page_token=token)

    async def DeleteDataset(self, request, context):
        tenant = current_tenant()
        dataset_id = names.parse(request.name, "datasets")
        record = await self.store.get(tenant, dataset_id)
        if record is None:
            raise NotFound("dataset", request.name)
        await self.store.delete(tenant, dataset_id)
        await asyncio.to_thread(self.artifacts.delete, record["artifact_rel"].rsplit("/", 1)[0])
        return datasets_pb2.DeleteDatasetResponse()


def _check_metadata(meta: datasets_pb2.DatasetMetadata) -> None:
    if meta.format not in _FORMATS:
        raise InvalidArgument.field("metadata.format", "required: SFT, PREFERENCE or PROMPTS")
    if not 1 <= len(meta.display_name) <= 200:
        raise InvalidArgument.field("metadata.display_name", "must be 1 to 200 characters")
    if len(meta.request_id) > 128:
        raise InvalidArgument.field("metadata.request_id", "at most 128 characters")
