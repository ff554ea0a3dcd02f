"""Sweep record and events -> protos."""

from __future__ import annotations

from kiln.v1 import sweeps_pb2
from kiln_server.operations.convert import event_proto, operation_proto, state_change
from kiln_server.operations.events import Event
from kiln_server.platform.timestamps import ts
from kiln_server.sweeps.record import SweepRecord, TrialRecord


def trial_proto(t: TrialRecord) -> sweeps_pb2.Trial:
    return sweeps_pb2.Trial(
        number=t.number,
        state=getattr(sweeps_pb2, f"TRIAL_STATE_{t.state}"),
        params=t.params,
        job=t.job,
        values=t.values,
        intermediate_value=t.intermediate_value or 0.0,
        intermediate_step=t.intermediate_step,
        model=t.model,
        reason=t.reason,
        start_time=ts(t.start_time or None),
        end_time=ts(t.end_time or None),
    )


def sweep_proto(r: SweepRecord) -> sweeps_pb2.Sweep:
    trials = r.trials.items
    return operation_proto(
        sweeps_pb2.Sweep,
        "sweeps",
        r,
        r.spec,
        sweeps_pb2.SweepState,
        trials=[trial_proto(trials[n]) for n in sorted(trials)],
        best_trials=[trial_proto(trials[n]) for n in r.best if n in trials],
        parameter_importances=r.importances,
        artifacts=r.artifacts,
        update_time=ts(r.update_time),
    )


def sweep_event_proto(event: Event) -> sweeps_pb2.SweepEvent:
    ev = event_proto(sweeps_pb2.SweepEvent, event)
    data = event.data
    if event.kind == "state":
        ev.state_change.CopyFrom(state_change(sweeps_pb2.SweepStateChange, sweeps_pb2.SweepState, data))
    elif event.kind == "intermediate":
        ev.intermediate.CopyFrom(
            sweeps_pb2.TrialMetric(trial=data["trial"], step=data["step"], metric=data["metric"], value=data["value"])
        )
    else:  # trial_started, trial_pruned, trial_finished, new_best
        getattr(ev, event.kind).CopyFrom(trial_proto(TrialRecord.from_dict(data["trial"])))
    return ev
