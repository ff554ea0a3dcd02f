"""Evaluations in Redis: a hash per evaluation, a newest-first index, an event stream, a queue,
an active set, and reusable results keyed by what was measured.

The gateway uses `EvaluationStore` (async); the Ray worker runs the PROGRESS and FINISH scripts
through its own sync client. Both fence on (state RUNNING, attempt), so a worker whose attempt
was replaced can no longer touch the evaluation.

Events: kind "state" {state, attempt, reason} (the same shape scripts.TRANSITION writes) and
kind "progress" {completed_records, total_records, results}.
"""

from __future__ import annotations

import json

from kiln_server.operations import scripts
from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.repository import IDEMPOTENCY_TTL_S, Repository, flatten

# Succeeded results stay reusable this long; a later identical request recomputes them.
RESULTS_TTL_S = 30 * 24 * 3600

# Like scripts.CREATE, but appends any number of events: a reused evaluation is born SUCCEEDED
# with its progress (results) and state events in one step.
# KEYS: idem (or ""), record hash, index zset, events stream, active set (or ""), queue (or "")
# ARGV: id, fingerprint, score, idem_ttl_s, member, events json [[kind, data_json], ...], field/value...
CREATE = """
if KEYS[1] ~= '' then
  local seen = redis.call('HMGET', KEYS[1], 'id', 'fp')
  if seen[1] then return {0, seen[1], seen[2]} end
end
redis.call('HSET', KEYS[2], unpack(ARGV, 7))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if KEYS[1] ~= '' then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'fp', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
for _, ev in ipairs(cjson.decode(ARGV[6])) do
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000, '*', 'kind', ev[1], 'data', ev[2])
end
if KEYS[5] ~= '' then redis.call('SADD', KEYS[5], ARGV[5]) end
if KEYS[6] ~= '' then redis.call('LPUSH', KEYS[6], ARGV[5]) end
return {1, ARGV[1]}
"""

# Worker progress, only while its attempt owns the running evaluation.
# KEYS: record hash, events stream
# ARGV: attempt, now_ms, completed, total, results_json, event_json
# Returns 1 when written, 0 when fenced.
PROGRESS = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt')
if cur[1] ~= 'RUNNING' or cur[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'completed_records', ARGV[3], 'total_records', ARGV[4], 'results', ARGV[5],
           'update_time', ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 10000, '*', 'kind', 'progress', 'data', ARGV[6])
return 1
"""

# Success: final results, SUCCEEDED, out of the active set, and the results made reusable.
# KEYS: record hash, events stream, active set, results key (or "")
# ARGV: attempt, now_ms, member, results_json, completed, total, progress_event_json,
#       state_event_json, cached_json, cache_ttl_s
# Returns 1 when written, 0 when fenced.
FINISH = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt')
if cur[1] ~= 'RUNNING' or cur[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'SUCCEEDED', 'results', ARGV[4], 'completed_records', ARGV[5],
           'total_records', ARGV[6], 'update_time', ARGV[2], 'end_time', ARGV[2])
redis.call('SREM', KEYS[3], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 10000, '*', 'kind', 'progress', 'data', ARGV[7])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 10000, '*', 'kind', 'state', 'data', ARGV[8])
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[10]) end
return 1
"""


def progress_event(completed: int, total: int, results: dict[str, float]) -> dict:
    return {"completed_records": completed, "total_records": total, "results": results}


def state_event(state: str, attempt: int, reason: str) -> dict:
    return {"state": state, "attempt": attempt, "reason": reason}


class EvaluationStore(Repository):
    kind = "evaluation"

    def __init__(self, redis, keys):
        super().__init__(redis, keys)
        self._create_eval = redis.register_script(CREATE)
        self._transition = redis.register_script(scripts.TRANSITION)

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.evaluation(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.evaluations(tenant)

    async def create_evaluation(
        self,
        tenant: str,
        eid: str,
        fields: dict,
        *,
        score_ms: int,
        request_id: str,
        fingerprint: str,
        events: list[tuple[str, dict]],
        queue: bool,
    ) -> str:
        """Writes the evaluation, its first events and (when `queue`) its queue entry atomically;
        returns its id, or the earlier one for a seen request_id."""
        idem = self.keys.idempotency(tenant, self.kind, request_id) if request_id else ""
        result = await self._create_eval(
            keys=[
                idem,
                self.record_key(tenant, eid),
                self.index_key(tenant),
                self.keys.evaluation_events(tenant, eid),
                self.keys.active_evaluations() if queue else "",
                self.keys.evaluation_queue() if queue else "",
            ],
            args=[
                eid,
                fingerprint,
                score_ms,
                IDEMPOTENCY_TTL_S,
                f"{tenant}/{eid}",
                json.dumps([[kind, json.dumps(data)] for kind, data in events]),
                *flatten(fields),
            ],
        )
        created, existing = int(result[0]), result[1].decode()
        if not created and fingerprint and result[2].decode() != fingerprint:
            raise InvalidArgument.field(
                "request_id", f"already used for a different evaluation (evaluations/{existing})"
            )
        return existing

    async def transition(
        self,
        tenant: str,
        eid: str,
        allowed: tuple[str, ...],
        to: str,
        *,
        reason: str = "",
        attempt: int | None = None,
        bump_attempt: bool = False,
        enqueue: bool = False,
        fields: dict | None = None,
    ) -> tuple[bool, str, int]:
        """Atomically moves the evaluation to `to` if it is in `allowed` (and on `attempt`, if given)."""
        from kiln_server.jobs.store import now_ms

        ok, state, att = await self._transition(
            keys=[
                self.keys.evaluation(tenant, eid),
                self.keys.evaluation_events(tenant, eid),
                self.keys.active_evaluations(),
                self.keys.evaluation_queue(),
            ],
            args=[
                ",".join(allowed),
                "" if attempt is None else str(attempt),
                to,
                reason,
                now_ms(),
                f"{tenant}/{eid}",
                "1" if bump_attempt else "0",
                "1" if enqueue else "0",
                *flatten(fields or {}),
            ],
        )
        return bool(int(ok)), state.decode(), int(att)

    async def read_events(
        self, tenant: str, eid: str, after: str, block_ms: int | None, count: int = 200
    ) -> list[tuple[str, str, dict]]:
        """Events after stream id `after` ("0" for all); blocks up to block_ms for new ones."""
        reply = await self.redis.xread({self.keys.evaluation_events(tenant, eid): after}, count=count, block=block_ms)
        return [
            (eid_.decode(), f[b"kind"].decode(), json.loads(f[b"data"]))
            for _s, entries in reply or []
            for eid_, f in entries
        ]

    async def event_exists(self, tenant: str, eid: str, event_id: str) -> bool:
        try:
            found = await self.redis.xrange(self.keys.evaluation_events(tenant, eid), event_id, event_id, count=1)
        except Exception:  # a malformed stream id is an answer too: no such event
            return False
        return bool(found)

    async def reusable_results(self, tenant: str, digest: str) -> dict | None:
        raw = await self.redis.get(self.keys.evaluation_results(tenant, digest))
        return json.loads(raw) if raw else None

    async def pop_queued(self, timeout_s: float) -> tuple[str, str] | None:
        item = await self.redis.brpop([self.keys.evaluation_queue()], timeout=timeout_s)
        if item is None:
            return None
        tenant, eid = item[1].decode().split("/", 1)
        return tenant, eid

    async def queued(self) -> set[str]:
        return {m.decode() for m in await self.redis.lrange(self.keys.evaluation_queue(), 0, -1)}

    async def enqueue(self, tenant: str, eid: str) -> None:
        await self.redis.lpush(self.keys.evaluation_queue(), f"{tenant}/{eid}")

    async def active(self) -> list[tuple[str, str]]:
        members = await self.redis.smembers(self.keys.active_evaluations())
        return [tuple(m.decode().split("/", 1)) for m in members]  # type: ignore[misc]

    async def forget_active(self, tenant: str, eid: str) -> None:
        await self.redis.srem(self.keys.active_evaluations(), f"{tenant}/{eid}")

    async def set_fields(self, tenant: str, eid: str, fields: dict) -> None:
        await self.redis.hset(
            self.keys.evaluation(tenant, eid), mapping=dict(zip(*[iter(flatten(fields))] * 2, strict=True))
        )
