"""Model and deployment records -> protos."""

from __future__ import annotations

from kiln.v1 import common_pb2, models_pb2
from kiln_server.models.record import ModelRecord
from kiln_server.platform.artifacts import public_uri, published
from kiln_server.platform.timestamps import ts
from kiln_server.sampling.record import DeploymentRecord

_QUANTIZATION = {"INT8": models_pb2.QUANTIZATION_INT8, "INT4": models_pb2.QUANTIZATION_INT4}


def deployment_proto(d: DeploymentRecord | None) -> models_pb2.Deployment | None:
    if d is None:
        return None
    return models_pb2.Deployment(
        target=models_pb2.DeploymentTarget.Value(f"DEPLOYMENT_TARGET_{d.target}"),
        replicas=d.replicas,
        min_replicas=d.min_replicas,
        max_replicas=d.max_replicas,
        state=d.state,
        message=d.error if d.state == "FAILED" else d.reason if d.state == "PENDING" else "",
    )


def model_proto(r: ModelRecord, deployment: DeploymentRecord | None = None) -> models_pb2.Model:
    return models_pb2.Model(
        name=f"models/{r.id}",
        display_name=r.display_name,
        family=common_pb2.ModelFamily.Value(f"MODEL_FAMILY_{r.family.upper()}"),
        base_model=r.base_model,
        source_job=r.source_job,
        artifact_uri=public_uri(r.artifact_rel) if r.artifact_rel else published(r.artifact_uri),
        version=r.version,
        parameter_count=r.parameter_count,
        size_bytes=r.size_bytes,
        quantization=_QUANTIZATION.get(r.quantization, 0),
        metrics=r.metrics,
        labels=r.labels,
        create_time=ts(r.create_time),
        deployment=deployment_proto(deployment),
    )
