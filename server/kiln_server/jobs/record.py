"""A job's record: the request as accepted, the validated spec its workers run, and its progress."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kiln.v1 import jobs_pb2
from kiln_server.jobs.spec import JobSpec
from kiln_server.operations.create import NewOperation
from kiln_server.operations.events import state_event
from kiln_server.operations.record import OperationRecord, State
from kiln_server.operations.store import now_ms
from kiln_server.platform import names


@dataclass(frozen=True)
class Checkpoint:
    step: int
    uri: str  # where the checkpoint's files are, for clients
    time: int  # ms since the epoch
    rel: str  # the same, inside the artifact store: what a resuming worker fetches

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Checkpoint:
        return cls(step=int(d["step"]), uri=d["uri"], time=int(d["time"]), rel=d["rel"])


@dataclass(kw_only=True)
class JobRecord(OperationRecord):
    method: str  # JobMethod, lower case without its prefix ("sft", "ppo", ...)
    spec: jobs_pb2.Job  # the request's Job with output fields cleared, display_name and max_retries filled in
    payload: JobSpec  # what the workers run
    max_retries: int
    step: int = 0  # the last reported optimizer step
    total_steps: int = 0
    metrics: dict[str, float] = field(default_factory=dict)  # the latest value of each metric
    artifacts: dict[str, str] = field(default_factory=dict)  # name -> uri
    output_model: str = ""  # "models/{id}" once SUCCEEDED
    last_checkpoint: Checkpoint | None = None


def new_job(tenant: str, job: jobs_pb2.Job, spec: JobSpec) -> NewOperation[JobRecord]:
    """A new, queued job: the request as accepted (with the display name and retries it runs with)."""
    stored = jobs_pb2.Job()
    stored.CopyFrom(job)
    stored.display_name, stored.max_retries = spec.display_name, spec.max_retries
    record = JobRecord(
        id=names.new_id("jobs"),
        tenant=tenant,
        method=spec.method,
        spec=stored,
        payload=spec,
        max_retries=spec.max_retries,
        create_time=now_ms(),
    )
    return NewOperation(record, [state_event(State.QUEUED, 0, "created")])
