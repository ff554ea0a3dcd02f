"""An evaluation's record: the request as accepted, the plan its worker runs, and its results so far."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kiln.v1 import evaluation_pb2
from kiln_server.evaluations.spec import EvaluationPlan
from kiln_server.operations.create import NewOperation
from kiln_server.operations.events import state_event
from kiln_server.operations.record import OperationRecord, State
from kiln_server.operations.store import now_ms
from kiln_server.platform import names


@dataclass(kw_only=True)
class EvaluationRecord(OperationRecord):
    model: str  # as requested (ListEvaluations filters on it)
    spec: evaluation_pb2.Evaluation  # the request's Evaluation with output fields cleared
    payload: EvaluationPlan  # what the worker runs
    reuse_key: str  # digest of what the results depend on (EvaluationPlan.reuse_key)
    total_records: int = 0
    completed_records: int = 0
    results: dict[str, float] = field(default_factory=dict)  # metric -> value, as finished
    reused_from: str = ""  # "evaluations/{id}" whose results this one was born with


@dataclass(frozen=True)
class ReusableResults:
    """A succeeded evaluation's results, kept under the digest of what it measured."""

    evaluation: str  # "evaluations/{id}" that computed them
    results: dict[str, float]
    completed_records: int
    total_records: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReusableResults:
        return cls(d["evaluation"], d["results"], int(d["completed_records"]), int(d["total_records"]))


def progress_event(completed: int, total: int, results: dict[str, float]) -> tuple[str, dict[str, Any]]:
    """The (kind, data) of a progress event."""
    return "progress", {"completed_records": completed, "total_records": total, "results": results}


def new_evaluation(
    tenant: str, ev: evaluation_pb2.Evaluation, plan: EvaluationPlan, reused: ReusableResults | None
) -> NewOperation[EvaluationRecord]:
    """A new evaluation of `plan`: queued, or born SUCCEEDED with `reused` results when the same
    measurement was made before (its state change names the evaluation that made it)."""
    stored = evaluation_pb2.Evaluation()
    stored.CopyFrom(ev)
    stored.display_name = ev.display_name or f"{', '.join(plan.metrics)} of {ev.model}"
    now = now_ms()
    record = EvaluationRecord(
        id=names.new_id("evaluations"),
        tenant=tenant,
        model=ev.model,
        spec=stored,
        payload=plan,
        reuse_key=plan.reuse_key(),
        create_time=now,
        update_time=now,
        total_records=plan.max_records,
    )
    if reused is None:
        return NewOperation(record, [state_event(State.QUEUED, 0, "created")])
    record.state, record.end_time, record.reused_from = State.SUCCEEDED, now, reused.evaluation
    record.results, record.completed_records = reused.results, reused.completed_records
    record.total_records = reused.total_records
    events = [
        progress_event(reused.completed_records, reused.total_records, reused.results),
        state_event(State.SUCCEEDED, 0, f"results reused from {reused.evaluation}"),
    ]
    return NewOperation(record, events, queue=False)
