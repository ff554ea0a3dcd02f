"""What tests/unit/repo/test_deploy_manifests.py checks deploy/ with: the manifests loaded and
indexed, and the schemas they are validated against (all from wheels: nothing is fetched).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import referencing
import referencing.jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile.gateway"
TRITON_DOCKERFILE = DEPLOY / "docker" / "Dockerfile.triton"
RAY_LAUNCHER = DEPLOY / "ray" / "cluster.yaml"

# 1.30: the oldest release we support (native gRPC probes are GA since 1.27, PodDisruptionBudget
# policy/v1 since 1.21); 1.37: the newest that kubernetes-validate bundles.
K8S_VERSIONS = ("1.30", "1.37")
# Settings the deploy files already pass to the gateway but KilnConfig does not define yet
# (Triton routing lands separately); pydantic-settings ignores unknown KILN_ variables.
PENDING_SETTINGS = {"triton_url", "triton_model_repository"}
KILN_IMAGE = "kiln"
TRITON_IMAGE = "kiln-triton"  # NGC Triton plus torch and kiln (deploy/docker/Dockerfile.triton)
KILN_IMAGES = {KILN_IMAGE, TRITON_IMAGE}
GATEWAY = "kiln-gateway"


# -- loading ---------------------------------------------------------------------------------------
def _yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@cache
def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


@cache
def k8s_objects() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, object) for every object in the files the kustomization lists."""
    return tuple((name, obj) for name in kustomization()["resources"] for obj in _yaml_docs(K8S / name))


def objects_of(kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for _, obj in k8s_objects() if obj["kind"] == kind}


def the(kind: str, name: str) -> dict[str, Any]:
    found = objects_of(kind)
    assert name in found, f"no {kind} named {name!r} in deploy/k8s (have {sorted(found)})"
    return found[name]


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _object_id(item: tuple[str, dict[str, Any]]) -> str:
    name, obj = item
    return f"{name}:{obj['kind']}/{obj['metadata']['name']}"


def pod_templates() -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, pod template) for every workload, the RayCluster's head and worker groups included."""
    for _, obj in k8s_objects():
        owner = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            yield owner, obj["spec"]["template"]
        elif obj["kind"] == "RayCluster":
            yield f"{owner}/head", obj["spec"]["headGroupSpec"]["template"]
            for group in obj["spec"]["workerGroupSpecs"]:
                yield f"{owner}/{group['groupName']}", group["template"]


def containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for owner, template in pod_templates():
        spec = template["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield f"{owner}/{container['name']}", container


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """The container's literal environment: envFrom ConfigMaps first, then env (which wins)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(the("ConfigMap", source["configMapRef"]["name"])["data"])
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
    return env


def gateway_container() -> dict[str, Any]:
    spec = the("Deployment", GATEWAY)["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] if c["name"] == "gateway")


def _image_tag(image: str) -> str | None:
    if "@sha256:" in image:
        return "digest"
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def _repo(image: str) -> str:
    return image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image


def kiln_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


# -- schemas ---------------------------------------------------------------------------------------
def _k8s_schema_dir(version: str) -> Any:
    return importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}.0-local-strict"


@cache
def k8s_definitions(version: str) -> referencing.Registry:
    """The official definitions (PodTemplateSpec, ...) under their own $id, for $ref from our schemas."""
    contents = json.loads((_k8s_schema_dir(version) / "_definitions.json").read_text())
    return referencing.jsonschema.DRAFT202012.create_resource(contents) @ referencing.Registry()


POD_TEMPLATE_REF = {"$ref": "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.api.core.v1.PodTemplateSpec"}
OBJECT_META_REF = {
    "$ref": "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
}
_START_PARAMS = {"type": "object", "additionalProperties": {"type": "string"}}  # KubeRay wants strings

# NOT the KubeRay CRD: a schema written for this repository covering only the RayCluster
# (ray.io/v1) fields deploy/k8s/ray-cluster.yaml uses, with their types as the KubeRay v1 API
# documents them. Unknown fields are rejected so that a field outside this subset is a
# conscious addition here, not a typo the operator would silently drop.
RAYCLUSTER_SUBSET_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "KubeRay RayCluster ray.io/v1 (subset used by Kiln; hand-written, not the official CRD)",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "ray.io/v1"},
        "kind": {"const": "RayCluster"},
        "metadata": OBJECT_META_REF,
        "spec": {
            "type": "object",
            "required": ["headGroupSpec"],
            "additionalProperties": False,
            "properties": {
                "rayVersion": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
                "enableInTreeAutoscaling": {"type": "boolean"},
                "autoscalerOptions": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "upscalingMode": {"enum": ["Default", "Aggressive", "Conservative"]},
                        "idleTimeoutSeconds": {"type": "integer", "minimum": 0},
                    },
                },
                "headGroupSpec": {
                    "type": "object",
                    "required": ["template"],
                    "additionalProperties": False,
                    "properties": {
                        "serviceType": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
                        "rayStartParams": _START_PARAMS,
                        "template": POD_TEMPLATE_REF,
                    },
                },
                "workerGroupSpecs": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["groupName", "template"],
                        "additionalProperties": False,
                        "properties": {
                            "groupName": {"type": "string", "minLength": 1},
                            "replicas": {"type": "integer", "minimum": 0},
                            "minReplicas": {"type": "integer", "minimum": 0},
                            "maxReplicas": {"type": "integer", "minimum": 0},
                            "rayStartParams": _START_PARAMS,
                            "template": POD_TEMPLATE_REF,
                        },
                    },
                },
            },
        },
    },
}


def validate_k8s(obj: dict[str, Any], version: str) -> None:
    """Raises jsonschema.ValidationError (or SchemaNotFoundError for an unknown kind)."""
    if obj.get("apiVersion") == "ray.io/v1" and obj.get("kind") == "RayCluster":
        validator = jsonschema.Draft202012Validator(RAYCLUSTER_SUBSET_SCHEMA, registry=k8s_definitions(version))
        validator.validate(obj)
        for group in obj["spec"].get("workerGroupSpecs", []):
            replicas = group.get("replicas", 0)
            assert group.get("minReplicas", 0) <= replicas <= group.get("maxReplicas", replicas), group["groupName"]
        return
    kubernetes_validate.validate(obj, version, strict=True)


@cache
def compose_schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text())


def ray_launcher_schema() -> dict[str, Any]:
    # find_spec does not import ray (seconds); the schema sits beside the autoscaler package.
    spec = importlib.util.find_spec("ray")
    assert spec is not None and spec.origin is not None, "ray is not installed"
    return json.loads((Path(spec.origin).parent / "autoscaler" / "ray-schema.json").read_text())
