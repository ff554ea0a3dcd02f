"""The one way a dataset is created: bytes in, a validated JSONL file and its record out.

Uploads (DatasetService.UploadDataset) and datasets the server makes itself (a feedback export)
both commit here: every line goes through DatasetIngest (format validation, sha256, size limit),
the file lands in the artifact store at datasets/{tenant}/{id}/data.jsonl, and the record is
written through the dataset store, idempotently per request_id. Nothing is left behind on error.
"""

from __future__ import annotations

import asyncio
import posixpath
import time
from collections.abc import AsyncIterable, Iterable
from pathlib import Path

from kiln_server.datasets.convert import FORMAT_ENUMS
from kiln_server.datasets.ingest import DatasetIngest
from kiln_server.datasets.record import DatasetRecord
from kiln_server.datasets.store import DatasetStore
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import FailedPrecondition
from kiln_server.tenants.storage import StorageLedger, no_room


class DatasetWriter:
    def __init__(
        self,
        store: DatasetStore,
        artifacts: ArtifactStore,
        scratch: Path,
        max_bytes: int,
        ledger: StorageLedger | None = None,
    ):
        self.ledger = ledger
        self.store = store
        self.artifacts = artifacts
        self.scratch = Path(scratch)
        self.max_bytes = max_bytes

    async def commit(
        self,
        tenant: str,
        chunks: AsyncIterable[bytes] | Iterable[bytes],
        *,
        fmt: str,
        display_name: str,
        labels: dict[str, str] | None = None,
        expected_sha256: str = "",
        request_id: str = "",
        fingerprint: str = "",
        feedback_export: dict[str, int] | None = None,
    ) -> DatasetRecord:
        """Validates and stores the bytes as a new dataset; returns its record (or the earlier one
        created for the same request_id by a concurrent call)."""
        ingest = DatasetIngest(fmt, self.scratch, self.max_bytes)
        dataset_id = names.new_id("datasets")
        rel = f"datasets/{tenant}/{dataset_id}/data.jsonl"
        reserved = 0
        # Past the tenant's storage room the upload stops early; the exact check is the
        # reservation below, made atomically once the size is known.
        room = await self.ledger.room(tenant) if self.ledger is not None else None
        try:
            if isinstance(chunks, AsyncIterable):
                async for chunk in chunks:
                    ingest.feed(chunk)
                    self._check_room(tenant, ingest.size, room)
            else:
                for chunk in chunks:
                    ingest.feed(chunk)
                    self._check_room(tenant, ingest.size, room)
            digest = ingest.finish(expected_sha256)
            if self.ledger is not None:
                await self.ledger.reserve(tenant, ingest.size, "this dataset")
                reserved = ingest.size
            await asyncio.to_thread(self.artifacts.put_file, ingest.path, rel)
            record = DatasetRecord(
                id=dataset_id,
                display_name=display_name,
                format=fmt,
                format_enum=FORMAT_ENUMS[fmt],
                num_records=ingest.records,
                size_bytes=ingest.size,
                sha256=digest,
                create_time=int(time.time() * 1000),
                labels=dict(labels or {}),
                artifact_rel=rel,
                feedback_export=feedback_export,
            )
            stored_id = await self.store.create(tenant, record, request_id=request_id, fingerprint=fingerprint)
            if stored_id == dataset_id:
                return record
            # A concurrent call with the same request_id won the race: keep its dataset, not ours.
            await asyncio.to_thread(self.artifacts.delete, posixpath.dirname(rel))
            await self._release(tenant, reserved)
            reserved = 0
            earlier = await self.store.get(tenant, stored_id)
            if earlier is None:
                raise FailedPrecondition(
                    f"this request_id created datasets/{stored_id}, which has since been deleted; use a new request_id",
                    subject=f"datasets/{stored_id}",
                )
            return earlier
        except BaseException:
            # The dataset's whole directory, not just the file: nothing of a rejected upload stays.
            await asyncio.to_thread(self.artifacts.delete, posixpath.dirname(rel))
            await self._release(tenant, reserved)
            raise
        finally:
            ingest.discard()

    def _check_room(self, tenant: str, size: int, room: int | None) -> None:
        if room is not None and size > room:
            raise no_room(tenant, "this dataset", size, room)

    async def _release(self, tenant: str, size: int) -> None:
        if self.ledger is not None and size:
            await self.ledger.release(tenant, size)


def clean_scratch(scratch: Path) -> int:
    """Removes the scratch files uploads and exports left when their gateway died mid-call (a
    finished or failed call removes its own); returns how many. Run once at startup, before
    the gateway serves: a data_dir belongs to one gateway, so nothing else writes there."""
    removed = 0
    for sub in ("uploads", "exports"):
        for f in (Path(scratch) / sub).glob("upload-*.jsonl"):
            f.unlink(missing_ok=True)
            removed += 1
    return removed
