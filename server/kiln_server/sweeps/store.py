"""Sweeps in Redis: the operation layout (hash, index, events, queue, active set) plus the
driver's fenced update.

The driver of a RUNNING sweep is identified by its attempt (bumped when another gateway adopts
the sweep), so a driver whose sweep was adopted, cancelled or ended can no longer write to it.

Events: kind "state" {state, attempt, reason}; "trial_started", "trial_pruned",
"trial_finished", "new_best" {trial: TrialRecord dict}; "intermediate" {trial, step, metric, value}.
"""

from __future__ import annotations

import json

from kiln_server.operations import scripts
from kiln_server.operations.store import OperationKind, OperationStore, now_ms
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys
from kiln_server.sweeps.record import SweepRecord

# The driver's writes, only while its attempt drives the running sweep.
# KEYS: record hash, events stream
# ARGV: attempt, now_ms, events maxlen, events json [[kind, data_json], ...], field/value...
# Returns 1 when written, 0 when fenced.
UPDATE = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt')
if cur[1] ~= 'RUNNING' or cur[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'update_time', ARGV[2])
if #ARGV > 4 then redis.call('HSET', KEYS[1], unpack(ARGV, 5)) end
for _, ev in ipairs(cjson.decode(ARGV[4])) do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'kind', ev[1], 'data', ev[2])
end
return 1
"""

# name, collection, then the keys: record, index, events, active set, queue.
SWEEPS = OperationKind(
    "sweep", "sweeps", Keys.sweep, Keys.sweeps, Keys.sweep_events, Keys.active_sweeps, Keys.sweep_queue
)


class SweepStore(OperationStore[SweepRecord]):
    operation = SWEEPS
    codec = HashCodec(SweepRecord)

    def __init__(self, redis, keys: Keys):
        super().__init__(redis, keys)
        self._update = redis.register_script(UPDATE)

    async def update(
        self, tenant: str, rid: str, attempt: int, events: list[tuple[str, dict]], **fields: object
    ) -> bool:
        """Writes `fields` and appends `events` if the sweep is RUNNING on `attempt`."""
        pairs = [part for item in self.codec.fields(**fields).items() for part in item]
        ok = await self._update(
            keys=[self.record_key(tenant, rid), self.events_key(tenant, rid)],
            args=[
                attempt,
                now_ms(),
                scripts.EVENTS_MAXLEN,
                json.dumps([[kind, json.dumps(data)] for kind, data in events]),
                *pairs,
            ],
        )
        return bool(int(ok))
