"""Evaluation record and events -> protos."""

from __future__ import annotations

from kiln.v1 import evaluation_pb2
from kiln_server.evaluations.record import EvaluationRecord
from kiln_server.operations.convert import event_proto, operation_proto, state_change
from kiln_server.operations.events import Event
from kiln_server.platform.timestamps import ts


def evaluation_proto(r: EvaluationRecord) -> evaluation_pb2.Evaluation:
    return operation_proto(
        evaluation_pb2.Evaluation,
        "evaluations",
        r,
        r.spec,
        evaluation_pb2.EvaluationState,
        results=r.results,
        completed_records=r.completed_records,
        total_records=r.total_records,
        update_time=ts(r.update_time),
    )


def evaluation_event_proto(event: Event) -> evaluation_pb2.EvaluationEvent:
    ev = event_proto(evaluation_pb2.EvaluationEvent, event)
    if event.kind == "state":
        ev.state_change.CopyFrom(
            state_change(evaluation_pb2.EvaluationStateChange, evaluation_pb2.EvaluationState, event.data)
        )
    else:
        ev.progress.CopyFrom(
            evaluation_pb2.EvaluationProgress(
                completed_records=event.data["completed_records"],
                total_records=event.data["total_records"],
                results=event.data["results"],
            )
        )
    return ev
