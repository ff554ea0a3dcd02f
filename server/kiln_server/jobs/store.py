"""Jobs in Redis: a hash per job, a newest-first index, an event stream, the queue and active set."""

from __future__ import annotations

import json
import time

from kiln_server.operations import scripts
from kiln_server.platform.repository import Repository, flatten


def now_ms() -> int:
    return int(time.time() * 1000)


class JobStore(Repository):
    kind = "job"

    def __init__(self, redis, keys):
        super().__init__(redis, keys)
        self._transition = redis.register_script(scripts.TRANSITION)

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.job(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.jobs(tenant)

    async def transition(
        self,
        tenant: str,
        job_id: str,
        allowed: tuple[str, ...],
        to: str,
        *,
        reason: str = "",
        attempt: int | None = None,
        bump_attempt: bool = False,
        enqueue: bool = False,
        fields: dict | None = None,
    ) -> tuple[bool, str, int]:
        """Atomically moves the job to `to` if it is in `allowed` (and on `attempt`, if given)."""
        ok, state, att = await self._transition(
            keys=[
                self.keys.job(tenant, job_id),
                self.keys.job_events(tenant, job_id),
                self.keys.active_jobs(),
                self.keys.job_queue(),
            ],
            args=[
                ",".join(allowed),
                "" if attempt is None else str(attempt),
                to,
                reason,
                now_ms(),
                f"{tenant}/{job_id}",
                "1" if bump_attempt else "0",
                "1" if enqueue else "0",
                *flatten(fields or {}),
            ],
        )
        return bool(int(ok)), state.decode(), int(att)

    async def read_events(
        self, tenant: str, job_id: str, after: str, block_ms: int | None, count: int = 200
    ) -> list[tuple[str, str, dict]]:
        """Events after stream id `after` ("0" for all); blocks up to block_ms for new ones."""
        key = self.keys.job_events(tenant, job_id)
        reply = await self.redis.xread({key: after}, count=count, block=block_ms)
        out = []
        for _stream, entries in reply or []:
            for eid, fields in entries:
                out.append((eid.decode(), fields[b"kind"].decode(), json.loads(fields[b"data"])))
        return out

    async def last_event_id(self, tenant: str, job_id: str) -> str | None:
        last = await self.redis.xrevrange(self.keys.job_events(tenant, job_id), count=1)
        return last[0][0].decode() if last else None

    async def event_exists(self, tenant: str, job_id: str, event_id: str) -> bool:
        found = await self.redis.xrange(self.keys.job_events(tenant, job_id), event_id, event_id, count=1)
        return bool(found)

    async def checkpoints(self, tenant: str, job_id: str) -> list[dict]:
        raw = await self.redis.lrange(self.keys.job_checkpoints(tenant, job_id), 0, -1)
        return [json.loads(r) for r in raw]

    async def pop_queued(self, timeout_s: float) -> tuple[str, str] | None:
        item = await self.redis.brpop([self.keys.job_queue()], timeout=timeout_s)
        if item is None:
            return None
        tenant, job_id = item[1].decode().split("/", 1)
        return tenant, job_id

    async def enqueue(self, tenant: str, job_id: str) -> None:
        await self.redis.lpush(self.keys.job_queue(), f"{tenant}/{job_id}")

    async def active(self) -> list[tuple[str, str]]:
        members = await self.redis.smembers(self.keys.active_jobs())
        return [tuple(m.decode().split("/", 1)) for m in members]  # type: ignore[misc]

    async def set_fields(self, tenant: str, job_id: str, fields: dict) -> None:
        pairs = iter(flatten(fields))
        await self.redis.hset(self.keys.job(tenant, job_id), mapping=dict(zip(pairs, pairs, strict=True)))
