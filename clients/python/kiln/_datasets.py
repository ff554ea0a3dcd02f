"""Dataset upload, listing and deletion.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from kiln._transport import Transport
from kiln.messages import enum_number
from kiln.v1 import datasets_pb2

# Upload deadlines grow with the payload: `timeout` plus one second per MB, i.e. the upload
# may run as slowly as 1 MB/s before it is abandoned.
_UPLOAD_BYTES_PER_S = 1_000_000


class DatasetCalls(Transport):
    """Calls of DatasetService."""

    def upload_dataset(
        self,
        path_or_bytes: str | os.PathLike | bytes,
        format: str | int,
        display_name: str | None = None,
        request_id: str | None = None,
        chunk_size: int = 1 << 20,
        labels: Mapping[str, str] | None = None,
        timeout: float | None = None,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> datasets_pb2.Dataset:
        """Streams a JSONL file (or bytes); format is "sft", "preference" or "prompts".

        The sha256 is computed first and sent as expected_sha256, so bytes corrupted on the way
        are rejected. display_name defaults to the file name. Reusing a request_id returns the
        dataset the first upload created. on_progress(sent_bytes, total_bytes) is called as each
        chunk goes out.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        if isinstance(path_or_bytes, bytes | bytearray | memoryview):
            blob = bytes(path_or_bytes)
            size, digest = len(blob), hashlib.sha256(blob).hexdigest()
            default_name = "upload.jsonl"

            def chunks() -> Iterator[bytes]:
                for start in range(0, len(blob), chunk_size):
                    yield blob[start : start + chunk_size]
        else:
            path = Path(path_or_bytes)
            size, digest = path.stat().st_size, _file_sha256(path, chunk_size)
            default_name = path.name

            def chunks() -> Iterator[bytes]:
                with path.open("rb") as f:
                    while block := f.read(chunk_size):
                        yield block

        metadata = datasets_pb2.DatasetMetadata(
            display_name=display_name or default_name,
            format=enum_number(datasets_pb2.DatasetFormat.DESCRIPTOR, format, "format"),
            request_id=request_id or "",
            expected_sha256=digest,
            labels=dict(labels or {}),
        )

        def requests() -> Iterator[datasets_pb2.UploadDatasetRequest]:
            yield datasets_pb2.UploadDatasetRequest(metadata=metadata)
            sent = 0
            for block in chunks():
                yield datasets_pb2.UploadDatasetRequest(chunk=block)
                sent += len(block)
                if on_progress is not None:
                    on_progress(sent, size)

        deadline = timeout if timeout is not None else self.timeout + size / _UPLOAD_BYTES_PER_S
        return self._call(self._datasets.UploadDataset, requests(), timeout=deadline)

    def get_dataset(self, name: str) -> datasets_pb2.Dataset:
        return self._call(self._datasets.GetDataset, datasets_pb2.GetDatasetRequest(name=name))

    def list_datasets(self, page_size: int = 50) -> Iterator[datasets_pb2.Dataset]:
        """Every dataset of the caller, newest first, fetching pages as the iterator advances."""
        request = datasets_pb2.ListDatasetsRequest(page_size=page_size)
        return self._paginate(self._datasets.ListDatasets, request, "datasets")

    def delete_dataset(self, name: str) -> None:
        self._call(self._datasets.DeleteDataset, datasets_pb2.DeleteDatasetRequest(name=name))


def _file_sha256(path: Path, chunk_size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()
