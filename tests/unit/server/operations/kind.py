"""A minimal operation kind for the lifecycle's tests: what a new kind (sweeps, ...) declares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from kiln_server.operations.record import OperationRecord
from kiln_server.operations.store import OperationKind, OperationStore
from kiln_server.operations.worker import AttemptReporter
from kiln_server.platform.hashes import HashCodec

WIDGETS = OperationKind(
    name="widget",
    collection="widgets",
    record_key=lambda k, tenant, rid: f"{k.prefix}:t:{tenant}:widget:{rid}",
    index_key=lambda k, tenant: f"{k.prefix}:t:{tenant}:widgets",
    events_key=lambda k, tenant, rid: f"{k.prefix}:t:{tenant}:widget:{rid}:events",
    active_key=lambda k: f"{k.prefix}:widgetactive",
    queue_key=lambda k: f"{k.prefix}:widgetqueue",
)


@dataclass(kw_only=True)
class WidgetRecord(OperationRecord):
    size: int = 1


class WidgetStore(OperationStore[WidgetRecord]):
    operation = WIDGETS
    codec = HashCodec(WidgetRecord)


class WidgetReporter(AttemptReporter):
    operation = WIDGETS
    codec = WidgetStore.codec


def widget(rid: str = "w-1", tenant: str = "t", **kw) -> WidgetRecord:
    return WidgetRecord(id=rid, tenant=tenant, create_time=1000, **kw)


def unreachable_redis(tmp_path: Path) -> aioredis.Redis:
    """A client of a Redis that is not there, failing at once (no retries)."""
    return aioredis.Redis(unix_socket_path=str(tmp_path / "no-redis.sock"), retry=Retry(NoBackoff(), 0))
