"""The evaluation kind of the operation scheduler (operations/queue.py): one detached 1-CPU actor
per attempt. An evaluation is deterministic (seeded sampling) and has no checkpoints, so a lost
worker is simply rerun from the start, up to MAX_ATTEMPTS attempts in all.

Ownership uses the job scheduler's gateway heartbeat: `instance` is that scheduler's id.
"""

from __future__ import annotations

from kiln_server.evaluations.record import EvaluationRecord
from kiln_server.operations.queue import Launch, QueueScheduler
from kiln_server.operations.worker import AttemptHandle

MAX_ATTEMPTS = 3
_EVAL_CPUS = 1


class EvaluationScheduler(QueueScheduler[EvaluationRecord]):
    kind = "evaluation"
    actor_kind = "eval"

    def attempts_allowed(self, record: EvaluationRecord) -> int:
        return MAX_ATTEMPTS

    async def launch(self, record: EvaluationRecord, handle: AttemptHandle) -> Launch:
        from kiln_server.evaluations.runner import EvaluationRunner

        return Launch(EvaluationRunner, (handle, record.payload, record.reuse_key), num_cpus=_EVAL_CPUS)
