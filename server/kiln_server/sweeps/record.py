"""A sweep's record: the request as accepted, the plan its driver runs, its trials and result.

Trials are kept on the record as well as in the Optuna study: the study (in Redis, through
Optuna's journal) is what the sampler learns from and what survives a restart; the record is
what GetSweep and ListSweeps read without replaying a journal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from kiln.v1 import sweeps_pb2
from kiln_server.operations.create import NewOperation
from kiln_server.operations.events import state_event
from kiln_server.operations.record import OperationRecord, State
from kiln_server.operations.store import now_ms
from kiln_server.platform import names
from kiln_server.sweeps.spec import SweepPlan


class TrialState(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    PRUNED = "PRUNED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@dataclass
class TrialRecord:
    number: int
    params: dict[str, str]  # target path -> the sampled value as text
    state: TrialState = TrialState.RUNNING
    job: str = ""  # "jobs/{id}"
    values: list[float] = field(default_factory=list)  # objective values, once SUCCEEDED
    intermediate_value: float | None = None
    intermediate_step: int = 0
    model: str = ""
    reason: str = ""
    start_time: int = 0
    end_time: int = 0

    @property
    def final(self) -> bool:
        return self.state != TrialState.RUNNING

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrialRecord:
        return cls(**{**d, "state": TrialState(d["state"])})


@dataclass
class Trials:
    """Every trial of a sweep by number (stored as one JSON list)."""

    items: dict[int, TrialRecord] = field(default_factory=dict)

    def to_dict(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [t.to_dict() for t in sorted(self.items.values(), key=lambda t: t.number)]

    @classmethod
    def from_dict(cls, d: list[dict[str, Any]]) -> Trials:
        return cls({int(t["number"]): TrialRecord.from_dict(t) for t in d})

    def running(self) -> list[TrialRecord]:
        return [t for t in self.items.values() if not t.final]


@dataclass(kw_only=True)
class SweepRecord(OperationRecord):
    spec: sweeps_pb2.Sweep  # the request's Sweep with output fields cleared
    payload: SweepPlan
    trials: Trials = field(default_factory=Trials)
    best: list[int] = field(default_factory=list)  # the best trial, or the Pareto front, by number
    importances: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)  # plot name -> uri, once ended


def new_sweep(tenant: str, sweep: sweeps_pb2.Sweep, plan: SweepPlan) -> NewOperation[SweepRecord]:
    stored = sweeps_pb2.Sweep()
    stored.CopyFrom(sweep)
    stored.display_name = sweep.display_name or f"{plan.algorithm} sweep of {plan.method}"
    now = now_ms()
    record = SweepRecord(
        id=names.new_id("sweeps"), tenant=tenant, spec=stored, payload=plan, create_time=now, update_time=now
    )
    return NewOperation(record, [state_event(State.QUEUED, 0, "created")])
