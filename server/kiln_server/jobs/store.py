"""Jobs in Redis: the operation layout (hash, index, events, queue, active set) plus checkpoints.

Worker-side writes (metrics, checkpoints, artifacts, the outcome) go through jobs/context.py with
this store's codec and `stage_checkpoint`, so the job hash's layout is defined here only.
"""

from __future__ import annotations

import json
from typing import Any

from kiln_server.jobs.record import Checkpoint, JobRecord
from kiln_server.operations.store import OperationKind, OperationStore
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys

# name, collection, then the keys: record, index, events, active set, queue.
JOBS = OperationKind("job", "jobs", Keys.job, Keys.jobs, Keys.job_events, Keys.active_jobs, Keys.job_queue)


class JobStore(OperationStore[JobRecord]):
    operation = JOBS
    codec = HashCodec(JobRecord)

    async def checkpoints(self, tenant: str, job_id: str) -> list[Checkpoint]:
        raw = await self.redis.lrange(self.keys.job_checkpoints(tenant, job_id), 0, -1)
        return [Checkpoint.from_dict(json.loads(r)) for r in raw]

    @classmethod
    def stage_checkpoint(cls, pipe: Any, keys: Keys, tenant: str, job_id: str, checkpoint: Checkpoint) -> None:
        """Queues the writes that record a saved checkpoint on `pipe` (a sync or async pipeline)."""
        pipe.rpush(keys.job_checkpoints(tenant, job_id), json.dumps(checkpoint.to_dict()))
        pipe.hset(JOBS.record_key(keys, tenant, job_id), mapping=cls.codec.fields(last_checkpoint=checkpoint))
