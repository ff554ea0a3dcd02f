"""ModelService's conversion boundary: ExportModel and DeployModel requests -> validated specs.

Every bad field is one field violation of a single INVALID_ARGUMENT; references (the model, the
calibration dataset) are resolved later, by the exporter and the router.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

from kiln.v1 import common_pb2, models_pb2
from kiln_server.platform import names
from kiln_server.platform.errors import FieldViolation, InvalidArgument

QUANTIZATIONS = {models_pb2.QUANTIZATION_INT8: "int8", models_pb2.QUANTIZATION_INT4: "int4"}
DEFAULT_GROUP_SIZE = 128
MAX_GROUP_SIZE = 4096


@dataclass(frozen=True)
class ExportSpec:
    source: str  # "models/{id}" or a built-in name
    quantization: str | None  # "int8", "int4" or None
    group_size: int
    activation_aware: bool
    calibration_dataset: str
    prune_sparsity: float
    structured: bool
    request_id: str

    def fingerprint(self) -> str:
        body = {k: v for k, v in asdict(self).items() if k != "request_id"}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def parse_export(req: models_pb2.ExportModelRequest) -> ExportSpec:
    v: list[FieldViolation] = []
    if not req.name:
        v.append(FieldViolation("name", "required"))
    quantization = QUANTIZATIONS.get(req.quantization)
    if req.quantization and quantization is None:
        v.append(FieldViolation("quantization", f"unknown value {req.quantization}"))
    sparsity = req.prune_sparsity
    if math.isnan(sparsity) or not 0.0 <= sparsity < 1.0:
        v.append(FieldViolation("prune_sparsity", f"must be in [0, 1), got {sparsity!r}"))
    elif req.quantization == models_pb2.QUANTIZATION_UNSPECIFIED and sparsity == 0.0:
        v.append(FieldViolation("quantization", "nothing to do: set quantization and/or prune_sparsity > 0"))
    if req.structured_pruning and sparsity == 0.0:
        v.append(FieldViolation("structured_pruning", "needs prune_sparsity > 0"))
    group = req.group_size or DEFAULT_GROUP_SIZE
    if group < 16 or group > MAX_GROUP_SIZE or group & (group - 1):
        v.append(
            FieldViolation(
                "group_size",
                f"must be a power of two in [16, {MAX_GROUP_SIZE}] (0 means "
                f"{DEFAULT_GROUP_SIZE}), got {req.group_size}",
            )
        )
    if req.activation_aware and not req.calibration_dataset:
        v.append(FieldViolation("calibration_dataset", "required when activation_aware is set"))
    if req.activation_aware and quantization is None:
        v.append(FieldViolation("activation_aware", "needs a quantization (INT8 or INT4)"))
    if req.calibration_dataset:
        try:
            names.parse(req.calibration_dataset, "datasets", "calibration_dataset")
        except InvalidArgument as exc:
            v += exc.violations
    if len(req.request_id) > 128:
        v.append(FieldViolation("request_id", "at most 128 characters"))
    if v:
        raise InvalidArgument(v)
    return ExportSpec(
        req.name,
        quantization,
        group,
        req.activation_aware,
        req.calibration_dataset,
        sparsity,
        req.structured_pruning,
        req.request_id,
    )


# DEPLOYMENT_TARGET_RAY_SERVE -> "RAY_SERVE", MODEL_FAMILY_REWARD_MODEL -> "reward_model": from the descriptors.
TARGETS = {
    number: name.removeprefix("DEPLOYMENT_TARGET_")
    for name, number in models_pb2.DeploymentTarget.items()
    if number != models_pb2.DEPLOYMENT_TARGET_UNSPECIFIED
}
FAMILIES = {
    number: name.removeprefix("MODEL_FAMILY_").lower()
    for name, number in common_pb2.ModelFamily.items()
    if number != common_pb2.MODEL_FAMILY_UNSPECIFIED
}
MAX_REPLICAS = 64


@dataclass(frozen=True)
class DeploySpec:
    name: str  # "models/{id}" or a built-in name
    target: str  # "RAY_SERVE" or "TRITON"
    replicas: int
    min_replicas: int  # with max_replicas: autoscaling bounds (Ray Serve); 0 = fixed replicas
    max_replicas: int


def parse_deploy(req: models_pb2.DeployModelRequest) -> DeploySpec:
    v: list[FieldViolation] = []
    target = TARGETS.get(req.target)
    if target is None:
        v.append(FieldViolation("target", "required: DEPLOYMENT_TARGET_RAY_SERVE or DEPLOYMENT_TARGET_TRITON"))
    if req.replicas > MAX_REPLICAS:
        v.append(FieldViolation("replicas", f"at most {MAX_REPLICAS}, got {req.replicas}"))
    if req.max_replicas and req.min_replicas > req.max_replicas:
        v.append(FieldViolation("min_replicas", f"{req.min_replicas} exceeds max_replicas {req.max_replicas}"))
    if req.max_replicas > MAX_REPLICAS:
        v.append(FieldViolation("max_replicas", f"at most {MAX_REPLICAS}, got {req.max_replicas}"))
    if req.min_replicas and not req.max_replicas:
        v.append(FieldViolation("max_replicas", "required when min_replicas is set (autoscaling needs both bounds)"))
    if v or target is None:
        raise InvalidArgument(v)
    return DeploySpec(req.name, target, max(1, req.replicas), req.min_replicas, req.max_replicas)
