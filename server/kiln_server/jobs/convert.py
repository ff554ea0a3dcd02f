"""Job record and events -> protos."""

from __future__ import annotations

from kiln.v1 import jobs_pb2
from kiln_server.jobs.record import Checkpoint, JobRecord
from kiln_server.operations.convert import event_proto, operation_proto, state_change
from kiln_server.operations.events import Event
from kiln_server.platform.artifacts import public_uri, published
from kiln_server.platform.timestamps import ts


def job_proto(r: JobRecord) -> jobs_pb2.Job:
    return operation_proto(
        jobs_pb2.Job,
        "jobs",
        r,
        r.spec,
        jobs_pb2.JobState,
        attempt=r.attempt,
        step=r.step,
        total_steps=r.total_steps,
        latest_metrics=r.metrics,
        artifacts={name: published(uri) for name, uri in r.artifacts.items()},
        output_model=r.output_model,
        start_time=ts(r.start_time),
    )


def job_event_proto(event: Event) -> jobs_pb2.JobEvent:
    ev = event_proto(jobs_pb2.JobEvent, event)
    data = event.data
    if event.kind == "state":
        ev.state_change.CopyFrom(state_change(jobs_pb2.StateChange, jobs_pb2.JobState, data))
    elif event.kind == "metrics":
        ev.metrics.CopyFrom(
            jobs_pb2.Metrics(step=data["step"], total_steps=data.get("total_steps") or 0, values=data["values"])
        )
    elif event.kind == "checkpoint":
        ev.checkpoint.CopyFrom(checkpoint_proto(Checkpoint.from_dict(data)))
    else:
        ev.log.CopyFrom(jobs_pb2.LogLine(level=data.get("level", "info"), message=data["message"]))
    return ev


def checkpoint_proto(c: Checkpoint) -> jobs_pb2.Checkpoint:
    return jobs_pb2.Checkpoint(
        step=c.step, uri=public_uri(c.rel) if c.rel else published(c.uri), create_time=ts(c.time)
    )
