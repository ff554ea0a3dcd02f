"""Evaluations in Redis: the operation layout (hash, index, events, queue, active set) plus
reusable results keyed by what was measured.

The gateway uses `EvaluationStore` (async); the Ray worker runs the PROGRESS and FINISH scripts
through its own sync client (evaluations/runner.py). Both fence on (state RUNNING, attempt), so a
worker whose attempt was replaced can no longer touch the evaluation. The scripts name the
record fields they write; they are EvaluationRecord's (evaluations/record.py).

Events: kind "state" {state, attempt, reason} (the same shape scripts.TRANSITION writes) and
kind "progress" {completed_records, total_records, results}.
"""

from __future__ import annotations

import json

from kiln_server.evaluations.record import EvaluationRecord, ReusableResults, progress_event
from kiln_server.operations import scripts
from kiln_server.operations.events import state_event
from kiln_server.operations.record import State
from kiln_server.operations.store import OperationKind, OperationStore, now_ms
from kiln_server.operations.worker import AttemptHandle
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys

# Succeeded results stay reusable this long; a later identical request recomputes them.
RESULTS_TTL_S = 30 * 24 * 3600

# Worker progress, only while its attempt owns the running evaluation.
# KEYS: record hash, events stream
# ARGV: attempt, now_ms, completed, total, results_json, event_json, events maxlen
# Returns 1 when written, 0 when fenced.
PROGRESS = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt')
if cur[1] ~= 'RUNNING' or cur[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'completed_records', ARGV[3], 'total_records', ARGV[4], 'results', ARGV[5],
           'update_time', ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'kind', 'progress', 'data', ARGV[6])
return 1
"""

# Success: final results, SUCCEEDED, out of the active set, and the results made reusable.
# KEYS: record hash, events stream, active set, results key (or "")
# ARGV: attempt, now_ms, member, results_json, completed, total, progress_event_json,
#       state_event_json, cached_json, cache_ttl_s, events maxlen
# Returns 1 when written, 0 when fenced.
FINISH = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt')
if cur[1] ~= 'RUNNING' or cur[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'SUCCEEDED', 'results', ARGV[4], 'completed_records', ARGV[5],
           'total_records', ARGV[6], 'update_time', ARGV[2], 'end_time', ARGV[2])
redis.call('SREM', KEYS[3], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[11], '*', 'kind', 'progress', 'data', ARGV[7])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[11], '*', 'kind', 'state', 'data', ARGV[8])
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[10]) end
return 1
"""


# name, collection, then the keys: record, index, events, active set, queue.
EVALUATIONS = OperationKind(
    "evaluation", "evaluations", Keys.evaluation, Keys.evaluations, Keys.evaluation_events,
    Keys.active_evaluations, Keys.evaluation_queue,
)  # fmt: skip


class EvaluationStore(OperationStore[EvaluationRecord]):
    operation = EVALUATIONS
    codec = HashCodec(EvaluationRecord)

    async def reusable_results(self, tenant: str, digest: str) -> ReusableResults | None:
        raw = await self.redis.get(self.keys.evaluation_results(tenant, digest))
        return ReusableResults.from_dict(json.loads(raw)) if raw else None

    @staticmethod
    def progress_call(handle: AttemptHandle, completed: int, total: int, results: dict[str, float]) -> dict[str, list]:
        """The keys and args of a worker's PROGRESS call."""
        keys = Keys(handle.prefix)
        _, event = progress_event(completed, total, results)
        return {
            "keys": [
                EVALUATIONS.record_key(keys, handle.tenant, handle.id),
                EVALUATIONS.events_key(keys, handle.tenant, handle.id),
            ],
            "args": [
                handle.attempt,
                now_ms(),
                completed,
                total,
                json.dumps(results),
                json.dumps(event),
                scripts.EVENTS_MAXLEN,
            ],
        }

    @staticmethod
    def finish_call(handle: AttemptHandle, reusable: ReusableResults, reuse_key: str) -> dict[str, list]:
        """The keys and args of a worker's FINISH call: SUCCEEDED with `reusable`'s results."""
        keys = Keys(handle.prefix)
        total, results = reusable.total_records, reusable.results
        return {
            "keys": [
                EVALUATIONS.record_key(keys, handle.tenant, handle.id),
                EVALUATIONS.events_key(keys, handle.tenant, handle.id),
                EVALUATIONS.active_key(keys),
                keys.evaluation_results(handle.tenant, reuse_key),
            ],
            "args": [
                handle.attempt,
                now_ms(),
                f"{handle.tenant}/{handle.id}",
                json.dumps(results),
                total,
                total,
                json.dumps(progress_event(total, total, results)[1]),
                json.dumps(state_event(State.SUCCEEDED, handle.attempt, "every metric computed")[1]),
                json.dumps(reusable.to_dict()),
                RESULTS_TTL_S,
                scripts.EVENTS_MAXLEN,
            ],
        }
