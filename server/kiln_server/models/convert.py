"""Model and deployment records -> protos."""

from __future__ import annotations

import json

from kiln.v1 import common_pb2, models_pb2
from kiln_server.platform.timestamps import ts

_QUANTIZATION = {"INT8": models_pb2.QUANTIZATION_INT8, "INT4": models_pb2.QUANTIZATION_INT4}


def deployment_proto(d: dict[str, str] | None) -> models_pb2.Deployment | None:
    if not d:
        return None
    return models_pb2.Deployment(
        target=models_pb2.DeploymentTarget.Value(f"DEPLOYMENT_TARGET_{d['target']}"),
        replicas=int(d.get("replicas", 1)),
        min_replicas=int(d.get("min_replicas", 0)),
        max_replicas=int(d.get("max_replicas", 0)),
        state=d.get("state", ""),
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
