"""Feedback in Redis: one append-only stream per tenant plus a feedback_id index, written together.

Durability. A record is acknowledged once Redis has applied the write, so what a client was told
is stored survives a gateway crash (the gateway keeps no feedback state of its own). Surviving a
crash or power loss of the Redis host needs its append-only file: `appendonly yes` with
`appendfsync always`, which fsyncs every write before Redis replies, loses nothing that was
acknowledged; `appendfsync everysec` (the embedded server's setting) may lose the last second.
On Redis >= 7.2, `WAITAOF 1 0 <ms>` after a write gives the same guarantee per write under
everysec. Feedback is never trimmed: the stream grows by roughly the size of its records.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict

import redis.asyncio as aioredis

from kiln_server.datasets.store import DatasetStore
from kiln_server.feedback.record import FeedbackRecord
from kiln_server.feedback.submission import FeedbackFilter
from kiln_server.platform.keys import Keys

# Append a record unless its feedback_id is already stored, as one atomic step: a crash or a
# concurrent resend can never store a record twice or leave the id index without its record.
#
# KEYS: feedback_ids hash, feedback stream
# ARGV: feedback_id, content fingerprint, record json
# Returns {1, entry id} when stored, {0, "entry id/fingerprint"} when the id was stored before.
APPEND = """
local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen then return {0, seen} end
local entry = redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'record', ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], entry .. '/' .. ARGV[2])
return {1, entry}
"""

# Entries read per XRANGE while scanning for filtered records.
_SCAN_BATCH = 500


class FeedbackStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._append = redis.register_script(APPEND)

    @staticmethod
    def encode(record: FeedbackRecord) -> str:
        """The stream entry's "record" field: the record as JSON, without its entry id."""
        body = asdict(record)
        del body["entry_id"]
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def decode(raw: str | bytes, entry_id: str) -> FeedbackRecord:
        return FeedbackRecord(**json.loads(raw), entry_id=entry_id)

    @classmethod
    def from_entry(cls, entry_id: bytes, fields: dict[bytes, bytes]) -> FeedbackRecord:
        return cls.decode(fields[b"record"], entry_id.decode())

    async def append(self, tenant: str, record: FeedbackRecord, fingerprint: str) -> tuple[bool, str]:
        """Stores the record; (True, entry id), or (False, fingerprint) if its id was stored before."""
        created, value = await self._append(
            keys=[self.keys.feedback_ids(tenant), self.keys.feedback(tenant)],
            args=[record.feedback_id, fingerprint, self.encode(record)],
        )
        if int(created):
            record.entry_id = value.decode()
            return True, record.entry_id
        return False, value.decode().split("/", 1)[1]

    async def find(self, tenant: str, feedback_id: str) -> tuple[FeedbackRecord, str] | None:
        """The stored record with this feedback_id and its content fingerprint, if any."""
        seen = await self.redis.hget(self.keys.feedback_ids(tenant), feedback_id)
        if seen is None:
            return None
        entry_id, fingerprint = seen.decode().split("/", 1)
        entries = await self.redis.xrange(self.keys.feedback(tenant), entry_id, entry_id)
        return self.from_entry(*entries[0]), fingerprint

    async def newest_first(
        self, tenant: str, flt: FeedbackFilter, before: str = "", limit: int = 50
    ) -> tuple[list[FeedbackRecord], bool]:
        """Up to `limit` matching records older than entry `before`; and whether older entries remain."""
        high = f"({before}" if before else (str(flt.max_ms) if flt.max_ms is not None else "+")
        low = str(flt.min_ms) if flt.min_ms is not None else "-"
        out: list[FeedbackRecord] = []
        while len(out) < limit:
            entries = await self.redis.xrevrange(self.keys.feedback(tenant), high, low, count=_SCAN_BATCH)
            for entry_id, fields in entries:
                high = f"({entry_id.decode()}"
                record = self.from_entry(entry_id, fields)
                if flt.keeps(record):
                    out.append(record)
                    if len(out) == limit:
                        break
            if len(entries) < _SCAN_BATCH and len(out) < limit:
                return out, False
        more = await self.redis.xrevrange(self.keys.feedback(tenant), high, low, count=1)
        return out, bool(more)

    async def oldest_first(self, tenant: str, flt: FeedbackFilter) -> AsyncIterator[FeedbackRecord]:
        """Every matching record, in the order stored."""
        low = str(flt.min_ms) if flt.min_ms is not None else "-"
        high = str(flt.max_ms) if flt.max_ms is not None else "+"
        while True:
            entries = await self.redis.xrange(self.keys.feedback(tenant), low, high, count=_SCAN_BATCH)
            for entry_id, fields in entries:
                record = self.from_entry(entry_id, fields)
                if flt.keeps(record):
                    yield record
            if len(entries) < _SCAN_BATCH:
                return
            low = f"({entries[-1][0].decode()}"


class ExportDatasetStore(DatasetStore):
    """The dataset store with its own request_id namespace, so export and upload ids never collide."""

    kind = "feedback_export"
