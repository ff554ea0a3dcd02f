"""Streaming dataset ingestion: bytes in, validated JSONL out, never a half-written dataset.

Chunks are written to a scratch file while each complete line is parsed and checked against
the declared format; the sha256 and size are computed on the way. Only `commit()` moves the
file into the artifact store, and `discard()` (called on any error or abort) removes it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from kiln_server.platform.errors import InvalidArgument, ResourceExhausted
from kiln_trainer.data.formats import RecordError, validate_record
from kiln_trainer.data.images import ImageRowCheck, validate_image_record

# One record (line) at most: bounds the memory a line takes while it is parsed, and what a
# trainer reads as one example. Far above any sequence length the trainers accept, and room for
# a base64 PNG of a few megapixels in an image dataset.
MAX_ROW_BYTES = 8 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class DatasetIngest:
    def __init__(self, fmt: str, scratch_dir: Path, max_bytes: int):
        self.fmt = fmt
        self.max_bytes = max_bytes
        scratch_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="upload-", suffix=".jsonl", dir=scratch_dir)
        self.path = Path(name)
        self._file = open(handle, "wb")  # noqa: SIM115 - closed in finish()/discard()
        self._sha = hashlib.sha256()
        self._pending = b""  # an incomplete last line, waiting for the next chunk
        self.size = 0
        self.records = 0
        self.line_no = 0
        # Image datasets have rules across records (one channel count, labels on all or none).
        self._rows = ImageRowCheck() if fmt == "image" else None

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ResourceExhausted(
                f"dataset exceeds the upload limit of {self.max_bytes} bytes", subject="dataset.size_bytes"
            )
        self._sha.update(chunk)
        self._file.write(chunk)
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            self._check_line(line)
        if len(self._pending) > MAX_ROW_BYTES:  # a line still growing past the limit
            self._too_long(self.line_no + 1, len(self._pending))

    def finish(self, expected_sha256: str = "") -> str:
        if self._pending:
            self._check_line(self._pending)
            self._pending = b""
        self._file.close()
        if self.records == 0:
            raise InvalidArgument.field("chunk", "the dataset has no records")
        digest = self._sha.hexdigest()
        if expected_sha256 and expected_sha256.lower() != digest:
            raise InvalidArgument.field(
                "metadata.expected_sha256", f"uploaded bytes hash to {digest}, not {expected_sha256}"
            )
        return digest

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)

    def _too_long(self, line_no: int, size: int) -> None:
        raise InvalidArgument.field(
            f"chunk.line[{line_no}]", f"line {line_no} is {size} bytes; a record is at most {MAX_ROW_BYTES} bytes"
        )

    def _check_line(self, raw: bytes) -> None:
        """One line: UTF-8 without a byte order mark, JSON, no lone surrogates, the format's fields.

        The bytes are decoded as UTF-8 here rather than by json.loads, which would also accept
        UTF-16 and UTF-32 (and a BOM) by sniffing, and then store a file the trainers' UTF-8
        reader fails on inside the job. A BOM is refused rather than stripped so the stored
        file stays byte for byte what the client sent (and hashed, see expected_sha256)."""
        self.line_no += 1
        if len(raw) > MAX_ROW_BYTES:
            self._too_long(self.line_no, len(raw))
        if not raw.strip():
            return  # blank lines (e.g. a trailing newline) are allowed and not records
        where = f"chunk.line[{self.line_no}]"
        if raw.startswith(_BOM):
            raise InvalidArgument.field(
                where, f"line {self.line_no} starts with a UTF-8 byte order mark; send UTF-8 without a BOM"
            )
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidArgument.field(
                where, f"line {self.line_no} is not valid UTF-8 (byte {exc.start}); UTF-16 and others are refused"
            ) from exc
        except json.JSONDecodeError as exc:
            raise InvalidArgument.field(where, f"line {self.line_no} is not valid JSON: {exc.msg}") from exc
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidArgument.field(
                where, f"line {self.line_no} has a lone UTF-16 surrogate escape (\\ud800-\\udfff), not text"
            ) from exc
        try:
            if self._rows is not None:
                self._rows.add(validate_image_record(record), self.line_no)
            else:
                validate_record(self.fmt, record)
        except RecordError as exc:
            raise InvalidArgument.field(
                f"{where}.{exc.field}", f"line {self.line_no}, field {exc.field!r}: {exc.message}"
            ) from exc
        self.records += 1
