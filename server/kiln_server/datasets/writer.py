"""Creating a dataset from JSONL bytes made by the server itself (e.g. a feedback export).

It takes the upload's path: every line goes through DatasetIngest (format validation, sha256,
size limit), the file lands in the artifact store at datasets/{tenant}/{id}/data.jsonl, and the
record gets the same fields an upload writes, so GetDataset, ListDatasets, DeleteDataset and jobs
treat it like any uploaded dataset. DatasetService.UploadDataset could commit through
`commit_dataset` too; it predates this module.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from pathlib import Path

from kiln.v1 import datasets_pb2
from kiln_server.datasets.ingest import DatasetIngest
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.repository import Repository


async def commit_dataset(
    store: Repository,
    artifacts: ArtifactStore,
    scratch: Path,
    max_bytes: int,
    tenant: str,
    *,
    fmt: str,
    display_name: str,
    lines: Iterable[bytes],
    labels: dict[str, str] | None = None,
    request_id: str = "",
    fingerprint: str = "",
    extra_fields: dict[str, str] | None = None,
) -> dict[str, str]:
    """Validates and stores the lines as a new dataset; returns its record (or the earlier one
    created for the same request_id by a concurrent call). Nothing is left behind on error."""
    ingest = DatasetIngest(fmt, scratch, max_bytes)
    dataset_id = names.new_id("datasets")
    rel = f"datasets/{tenant}/{dataset_id}/data.jsonl"
    try:
        for line in lines:
            ingest.feed(line)
        digest = ingest.finish()
        await asyncio.to_thread(artifacts.put_file, ingest.path, rel)
        now = int(time.time() * 1000)
        fields = {
            "id": dataset_id,
            "display_name": display_name,
            "format": fmt,
            "format_enum": str(datasets_pb2.DatasetFormat.Value(f"DATASET_FORMAT_{fmt.upper()}")),
            "num_records": str(ingest.records),
            "size_bytes": str(ingest.size),
            "sha256": digest,
            "create_time": str(now),
            "labels": json.dumps(labels or {}),
            "artifact_rel": rel,
            **(extra_fields or {}),
        }
        stored_id = await store.create(
            tenant, dataset_id, fields, score_ms=now, request_id=request_id, fingerprint=fingerprint
        )
        if stored_id != dataset_id:  # a concurrent call with the same request_id won the race
            await asyncio.to_thread(artifacts.delete, rel)
        return await store.get(tenant, stored_id) or {}
    except BaseException:
        await asyncio.to_thread(artifacts.delete, rel)
        raise
    finally:
        ingest.discard()
