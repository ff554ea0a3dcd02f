"""Job record and events -> protos."""

from __future__ import annotations

import json

from google.protobuf import json_format

from kiln.v1 import jobs_pb2
from kiln_server.platform.timestamps import ts


def job_proto(r: dict[str, str]) -> jobs_pb2.Job:
    job = jobs_pb2.Job()
    json_format.Parse(r["spec"], job)
    job.name = f"jobs/{r['id']}"
    job.state = jobs_pb2.JobState.Value(f"JOB_STATE_{r['state']}")
    job.attempt = int(r.get("attempt", 0))
    job.step = int(r.get("step", 0))
    job.total_steps = int(r.get("total_steps", 0))
    job.latest_metrics.update(json.loads(r.get("metrics", "{}")))
    job.artifacts.update(json.loads(r.get("artifacts", "{}")))
    job.output_model = r.get("output_model", "")
    job.error = r.get("error", "")
    for attr in ("create_time", "start_time", "end_time"):
        if r.get(attr):
            getattr(job, attr).CopyFrom(ts(r[attr]))
    return job


def job_event_proto(event_id: str, kind: str, data: dict) -> jobs_pb2.JobEvent:
    ev = jobs_pb2.JobEvent(id=event_id)
    ev.time.FromMilliseconds(int(event_id.split("-")[0]))
    if kind == "state":
        ev.state_change.CopyFrom(
            jobs_pb2.StateChange(
                state=jobs_pb2.JobState.Value(f"JOB_STATE_{data['state']}"),
                attempt=int(data.get("attempt", 0)),
                reason=data.get("reason", ""),
            )
        )
    elif kind == "metrics":
        ev.metrics.CopyFrom(
            jobs_pb2.Metrics(step=data["step"], total_steps=data.get("total_steps") or 0, values=data["values"])
        )
    elif kind == "checkpoint":
        ev.checkpoint.CopyFrom(checkpoint_proto(data))
    else:
        ev.log.CopyFrom(jobs_pb2.LogLine(level=data.get("level", "info"), message=data["message"]))
    return ev


def checkpoint_proto(data: dict) -> jobs_pb2.Checkpoint:
    return jobs_pb2.Checkpoint(step=data["step"], uri=data["uri"], create_time=ts(data["time"]))
