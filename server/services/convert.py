"""Record (Redis hash, plain strings) -> proto conversions shared by the servicers."""

from __future__ import annotations

import json

from google.protobuf import json_format, timestamp_pb2
from kiln.v1 import common_pb2, datasets_pb2, jobs_pb2, models_pb2

# Model records store the export's quantization as "INT8" / "INT4" ("" or absent: none).
_QUANTIZATION = {"INT8": models_pb2.QUANTIZATION_INT8, "INT4": models_pb2.QUANTIZATION_INT4}


def ts(ms: str | int | None) -> timestamp_pb2.Timestamp | None:
    if not ms:
        return None
    t = timestamp_pb2.Timestamp()
    t.FromMilliseconds(int(ms))
    return t


def dataset_proto(r: dict[str, str]) -> datasets_pb2.Dataset:
    return datasets_pb2.Dataset(
        name=f"datasets/{r['id']}",
        display_name=r.get("display_name", ""),
        format=int(r["format_enum"]),
        num_records=int(r["num_records"]),
        size_bytes=int(r["size_bytes"]),
        sha256=r["sha256"],
        create_time=ts(r["create_time"]),
        labels=json.loads(r.get("labels", "{}")),
    )


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
        ev.state_change.CopyFrom(jobs_pb2.StateChange(
            state=jobs_pb2.JobState.Value(f"JOB_STATE_{data['state']}"),
            attempt=int(data.get("attempt", 0)), reason=data.get("reason", "")))
    elif kind == "metrics":
        ev.metrics.CopyFrom(jobs_pb2.Metrics(step=data["step"], total_steps=data.get("total_steps") or 0,
                                             values=data["values"]))
    elif kind == "checkpoint":
        ev.checkpoint.CopyFrom(checkpoint_proto(data))
    else:
        ev.log.CopyFrom(jobs_pb2.LogLine(level=data.get("level", "info"), message=data["message"]))
    return ev


def checkpoint_proto(data: dict) -> jobs_pb2.Checkpoint:
    return jobs_pb2.Checkpoint(step=data["step"], uri=data["uri"], create_time=ts(data["time"]))


def deployment_proto(d: dict[str, str] | None) -> models_pb2.Deployment | None:
    if not d:
        return None
    return models_pb2.Deployment(
        target=models_pb2.DeploymentTarget.Value(f"DEPLOYMENT_TARGET_{d['target']}"),
        replicas=int(d.get("replicas", 1)), min_replicas=int(d.get("min_replicas", 0)),
        max_replicas=int(d.get("max_replicas", 0)), state=d.get("state", ""),
    )


def model_proto(r: dict[str, str], deployment: dict[str, str] | None = None) -> models_pb2.Model:
    model = models_pb2.Model(
        name=f"models/{r['id']}",
        display_name=r.get("display_name", ""),
        family=common_pb2.ModelFamily.Value(f"MODEL_FAMILY_{r.get('family', 'causal_lm').upper()}"),
        base_model=r.get("base_model", ""),
        source_job=r.get("source_job", ""),
        artifact_uri=r.get("artifact_uri", ""),
        version=r.get("version", ""),
        parameter_count=int(r.get("parameter_count", 0)),
        size_bytes=int(r.get("size_bytes", 0)),
        quantization=_QUANTIZATION.get(r.get("quantization", ""), 0),
        metrics=json.loads(r.get("metrics", "{}")),
        labels=json.loads(r.get("labels", "{}")),
        create_time=ts(r.get("create_time")),
        deployment=deployment_proto(deployment),
    )
    return model
