"""Offline checks of everything under deploy/: schemas first, then the cross-file facts that a
schema cannot see (names that must agree between files, durability settings, pinned images).

Schemas come from wheels, so nothing is fetched at test time:
- Kubernetes objects: the OpenAPI-derived JSON schemas bundled in `kubernetes-validate`, in
  strict mode (unknown fields are errors), for the oldest and newest Kubernetes we support;
- the KubeRay RayCluster: a schema for the subset of RayCluster fields Kiln uses, written here
  (KubeRay publishes its CRD only as YAML in its repository), whose pod templates are checked
  against the official Kubernetes PodTemplateSpec;
- deploy/compose.yaml: the Compose Specification schema vendored in `check-jsonschema`;
- deploy/ray/cluster.yaml: ray-schema.json, shipped inside the ray wheel.
"""

from __future__ import annotations

import copy
import importlib.resources
import importlib.util
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from kiln_server.platform.config import KilnConfig
from tests.unit.repo.deploy_manifests import (
    DEPLOY,
    DOCKERFILE,
    GATEWAY,
    K8S,
    K8S_VERSIONS,
    KILN_IMAGES,
    PENDING_SETTINGS,
    RAY_LAUNCHER,
    ROOT,
    TRITON_DOCKERFILE,
    TRITON_IMAGE,
    _image_tag,
    _object_id,
    _repo,
    compose,
    compose_schema,
    container_env,
    containers,
    gateway_container,
    k8s_objects,
    kiln_version,
    kustomization,
    objects_of,
    pod_templates,
    ray_launcher_schema,
    the,
    validate_k8s,
)


# -- schema tests ----------------------------------------------------------------------------------
def test_kustomization_lists_every_manifest() -> None:
    listed = set(kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk, f"listed but missing: {listed - on_disk}; on disk but not listed: {on_disk - listed}"
    assert kustomization()["namespace"] == "kiln"
    for generator in kustomization().get("secretGenerator", []):
        for env_file in generator.get("envs", []):
            assert (K8S / f"{env_file}.example").is_file(), f"{env_file} needs a committed {env_file}.example"


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("item", k8s_objects(), ids=_object_id)
def test_k8s_object_matches_official_schema(item: tuple[str, dict[str, Any]], version: str) -> None:
    name, obj = item
    assert "namespace" not in obj["metadata"] or obj["kind"] == "Namespace", f"{name}: kustomize sets the namespace"
    validate_k8s(obj, version)


def _gateway_pod_container(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda d: _gateway_pod_container(d)["ports"][0].update(containerPort="grpc"), id="wrong-type"),
        pytest.param(lambda d: _gateway_pod_container(d).update(imagePullPolicie="Always"), id="misspelt-field"),
        pytest.param(lambda d: _gateway_pod_container(d).pop("name"), id="missing-required"),
        pytest.param(lambda d: d["spec"].pop("selector"), id="missing-selector"),
    ],
)
def test_k8s_validation_rejects_a_broken_deployment(breakage: Any) -> None:
    """Guards against a vacuous check (e.g. a schema lookup that silently validates nothing)."""
    deployment = copy.deepcopy(the("Deployment", GATEWAY))
    breakage(deployment)
    with pytest.raises(jsonschema.ValidationError):
        validate_k8s(deployment, K8S_VERSIONS[0])


def test_raycluster_schema_checks_pod_templates_and_unknown_fields() -> None:
    cluster = copy.deepcopy(the("RayCluster", "kiln-ray"))
    cluster["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["resources"]["limts"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate_k8s(cluster, K8S_VERSIONS[0])
    cluster = copy.deepcopy(the("RayCluster", "kiln-ray"))
    cluster["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 0  # must be a string
    with pytest.raises(jsonschema.ValidationError):
        validate_k8s(cluster, K8S_VERSIONS[0])


def test_compose_matches_compose_specification() -> None:
    schema = compose_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(compose())
    broken = copy.deepcopy(compose())
    broken["services"]["gateway"]["depends_on"]["redis"]["condition"] = "service_ready"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_ray_launcher_config_matches_ray_schema() -> None:
    config = yaml.safe_load(RAY_LAUNCHER.read_text())
    jsonschema.Draft7Validator(ray_launcher_schema()).validate(config)
    assert len(config["provider"]["worker_ips"]) == config["max_workers"]
    assert any("--ray-client-server-port=10001" in cmd for cmd in config["head_start_ray_commands"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (for its built-in kustomize) is not installed")
def test_kustomize_build_renders_valid_objects(tmp_path: Path) -> None:
    overlay = tmp_path / "k8s"
    shutil.copytree(K8S, overlay)
    (overlay / "secrets.env").write_text("redis-password=0123456789abcdef\n")
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=60, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    objects = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("Secret", "kiln-secrets") in kinds
    assert len(objects) == len(k8s_objects()) + 1  # the generated Secret
    for obj in objects:
        validate_k8s(obj, K8S_VERSIONS[-1])
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "kiln", obj["metadata"]["name"]


def test_kustomize_refuses_to_build_without_secrets(tmp_path: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    shutil.copytree(K8S, tmp_path / "k8s", ignore=shutil.ignore_patterns("secrets.env"))
    rendered = subprocess.run(["kubectl", "kustomize", str(tmp_path / "k8s")], capture_output=True, timeout=60)
    assert rendered.returncode != 0


# -- cross-file consistency: Kubernetes ------------------------------------------------------------
def _host_port(url: str, default_scheme: str = "grpc") -> tuple[str, str, int]:
    parts = urlsplit(url if "://" in url else f"{default_scheme}://{url}")
    assert parts.hostname and parts.port, f"{url!r} needs an explicit host and port"
    return parts.scheme, parts.hostname, parts.port


def _service_port_names(service: dict[str, Any]) -> dict[int, str]:
    return {p["port"]: p.get("name", "") for p in service["spec"]["ports"]}


def test_gateway_redis_url_points_at_the_redis_service() -> None:
    env = container_env(gateway_container())
    scheme, host, port = _host_port(env["KILN_REDIS_URL"])
    assert scheme in {"redis", "rediss"}
    labels = host.split(".")
    sts = the("StatefulSet", "redis")
    if re.fullmatch(rf"{sts['metadata']['name']}-\d+", labels[0]):
        # a pod of the StatefulSet through its headless Service: <sts>-<ordinal>.<serviceName>
        assert len(labels) > 1 and labels[1] == sts["spec"]["serviceName"], host
        service = the("Service", labels[1])
        assert service["spec"].get("clusterIP") == "None", "pod DNS names need a headless Service"
        ordinal = int(labels[0].rsplit("-", 1)[1])
        assert ordinal < sts["spec"]["replicas"]
    else:
        service = the("Service", labels[0])
    assert port in _service_port_names(service)
    # The password comes from the Secret, never a literal in the manifest.
    assert "$(REDIS_PASSWORD)" in env["KILN_REDIS_URL"]


def test_redis_persists_every_acknowledged_write() -> None:
    conf = the("ConfigMap", "redis-config")["data"]["redis.conf"]
    settings = dict(line.split(None, 1) for line in conf.splitlines() if line.strip() and not line.startswith("#"))
    assert settings["appendonly"] == "yes"
    assert settings["appendfsync"] in {"always", "everysec"}
    assert settings["maxmemory-policy"] == "noeviction"
    sts = the("StatefulSet", "redis")
    container = sts["spec"]["template"]["spec"]["containers"][0]
    assert "/etc/redis/redis.conf" in " ".join(container["command"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["data"] == settings["dir"], "the AOF must be written to the PersistentVolume"
    assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["data"]


def test_every_claim_config_map_and_secret_reference_exists() -> None:
    claims = set(objects_of("PersistentVolumeClaim"))
    config_maps = set(objects_of("ConfigMap"))
    secrets = set(objects_of("Secret")) | {g["name"] for g in kustomization().get("secretGenerator", [])}
    for owner, template in pod_templates():
        for volume in template["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, f"{owner}: {volume}"
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, f"{owner}: {volume}"
        declared = {v["name"] for v in template["spec"].get("volumes", [])}
        if owner.startswith("StatefulSet/"):
            sts = the("StatefulSet", owner.split("/", 1)[1])
            declared |= {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])}
        for container in template["spec"]["containers"]:
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in declared, f"{owner}/{container['name']} mounts undeclared {mount['name']}"
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, owner
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, f"{owner}: secret {ref['name']}"


def test_services_select_pods_and_name_real_ports() -> None:
    workloads = {owner: template for owner, template in pod_templates() if not owner.startswith("RayCluster")}
    for name, service in objects_of("Service").items():
        selector = service["spec"]["selector"]
        matches = [t for t in workloads.values() if selector.items() <= t["metadata"]["labels"].items()]
        assert len(matches) == 1, f"Service {name} selects {len(matches)} workloads"
        port_names = {p["name"] for c in matches[0]["spec"]["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert isinstance(target, int) or target in port_names, f"Service {name}: no container port {target}"
    for name, pdb in objects_of("PodDisruptionBudget").items():
        selected = [
            t
            for t in workloads.values()
            if pdb["spec"]["selector"]["matchLabels"].items() <= t["metadata"]["labels"].items()
        ]
        assert selected, f"PodDisruptionBudget {name} selects nothing"


def test_gateway_uses_grpc_probes_and_drains_before_kill() -> None:
    container = gateway_container()
    grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == grpc_port, probe
    env = container_env(container)
    assert int(env["KILN_PORT"]) == grpc_port
    assert env["KILN_HOST"] == "0.0.0.0", "the probes and the Service connect from outside the pod"
    metrics_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "metrics")
    assert int(env["KILN_METRICS_PORT"]) == metrics_port
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = the("Deployment", GATEWAY)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > pre_stop + float(env["KILN_SHUTDOWN_GRACE_S"])
    assert the("PodDisruptionBudget", GATEWAY)["spec"]["minAvailable"] < the("Deployment", GATEWAY)["spec"]["replicas"]
    assert "resources" in container and container["resources"]["limits"]["memory"]


def test_gateway_reaches_ray_and_triton_through_real_services() -> None:
    env = container_env(gateway_container())
    scheme, host, port = _host_port(env["KILN_RAY_ADDRESS"])
    assert scheme == "ray" and port == 10001  # Ray Client: the gateway is not a Ray node
    assert host == f"{the('RayCluster', 'kiln-ray')['metadata']['name']}-head-svc"  # KubeRay's naming
    _, host, port = _host_port(env["KILN_TRITON_URL"])
    assert _service_port_names(the("Service", host)).get(port) == "grpc"


def test_triton_uses_explicit_model_control_on_the_shared_repository() -> None:
    deployment = the("Deployment", "triton")
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    args = container.get("command", []) + container.get("args", [])
    assert "--model-control-mode=explicit" in args
    repository = next(a.split("=", 1)[1] for a in args if a.startswith("--model-repository="))
    volumes = {v["name"]: v for v in spec["volumes"]}
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == repository)
    assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == "triton-models"
    assert repository == the("ConfigMap", "kiln-config")["data"]["KILN_TRITON_MODEL_REPOSITORY"]
    for resources in ("requests", "limits"):
        assert int(container["resources"][resources]["nvidia.com/gpu"]) >= 1
    # The workers that export models write into the same claim, where the gateway says it is.
    workers = [t for owner, t in pod_templates() if owner.startswith("RayCluster") and not owner.endswith("/head")]
    export_dir = the("ConfigMap", "kiln-config")["data"]["KILN_TRITON_MODEL_REPOSITORY"]
    for template in workers:
        worker_volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        mount = next(m for m in template["spec"]["containers"][0]["volumeMounts"] if m["mountPath"] == export_dir)
        assert worker_volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == "triton-models"


def _k8s_claims_by_path(template: dict[str, Any], container: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """mountPath -> (claim name, mounted read-only) for the container's PersistentVolumeClaim mounts."""
    volumes = {v["name"]: v for v in template["spec"].get("volumes", [])}
    found = {}
    for mount in container.get("volumeMounts", []):
        claim = volumes[mount["name"]].get("persistentVolumeClaim")
        if claim:
            found[mount["mountPath"]] = (
                claim["claimName"],
                bool(mount.get("readOnly") or claim.get("readOnly")),
            )
    return found


def test_k8s_triton_sees_the_model_repository_and_artifacts_where_the_gateway_does() -> None:
    """The gateway writes <KILN_TRITON_MODEL_REPOSITORY>/<name>/config.pbtxt whose model_path is an
    absolute path under KILN_ARTIFACT_URL, so Triton must mount both claims at exactly those paths."""
    env = container_env(gateway_container())
    gateway = _k8s_claims_by_path(the("Deployment", GATEWAY)["spec"]["template"], gateway_container())
    template = the("Deployment", "triton")["spec"]["template"]
    container = template["spec"]["containers"][0]
    triton = _k8s_claims_by_path(template, container)
    for setting in ("KILN_TRITON_MODEL_REPOSITORY", "KILN_ARTIFACT_URL"):
        path = env[setting]
        assert path in gateway, f"the gateway does not mount {setting}={path}"
        assert path in triton, f"Triton does not mount {setting}={path}"
        assert triton[path][0] == gateway[path][0], (
            f"{path}: Triton mounts {triton[path][0]}, the gateway {gateway[path][0]}"
        )
        assert triton[path][1], f"Triton only reads {path}: mount it read-only"
        assert not gateway[path][1], f"the gateway writes {path}"
    args = container.get("command", []) + container.get("args", [])
    repositories = [a.split("=", 1)[1] for a in args if a.startswith("--model-repository=")]
    assert repositories == [env["KILN_TRITON_MODEL_REPOSITORY"]]
    assert _repo(container["image"]) == TRITON_IMAGE, "the stock NGC image cannot import torch or Kiln"


def test_kiln_settings_are_known_to_the_gateway() -> None:
    known = set(KilnConfig.model_fields) | PENDING_SETTINGS
    sources = {
        "k8s ConfigMap": the("ConfigMap", "kiln-config")["data"],
        "k8s gateway env": {v["name"]: v.get("value") for v in gateway_container().get("env", [])},
        "compose gateway": compose()["services"]["gateway"]["environment"],
    }
    for source, env in sources.items():
        for name in env:
            if name.startswith("KILN_"):
                assert name.removeprefix("KILN_").lower() in known, f"{source}: {name} is not a Kiln setting"
    # The values must parse too: KILN_PORT: "50O51" fails here rather than at rollout.
    settings = {k.removeprefix("KILN_").lower(): v for k, v in sources["k8s ConfigMap"].items()}
    KilnConfig(**{k: v for k, v in settings.items() if k in KilnConfig.model_fields})


# -- cross-file consistency: images ----------------------------------------------------------------
def all_images() -> Iterator[tuple[str, str]]:
    for owner, container in containers():
        yield owner, container["image"]
    for name, service in compose()["services"].items():
        yield f"compose {name}", service["image"]
    yield "ray launcher", yaml.safe_load(RAY_LAUNCHER.read_text())["docker"]["image"]
    for match in re.finditer(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(), re.MULTILINE):
        yield "Dockerfile base", match.group(1)
    for match in re.finditer(r"^ARG (\w+_IMAGE)=(\S+)$", TRITON_DOCKERFILE.read_text(), re.MULTILINE):
        yield f"Dockerfile.triton {match.group(1)}", match.group(2)


def test_every_image_is_pinned() -> None:
    for owner, image in all_images():
        tag = _image_tag(image)
        assert tag and tag != "latest", f"{owner}: {image} must carry a fixed tag or digest"
        if _repo(image) == "redis":
            assert re.fullmatch(r"7\.\d+\.\d+(-.+)?", tag), f"{owner}: Redis 7 with a patch version, got {tag}"
        if _repo(image) == "nvcr.io/nvidia/tritonserver":
            assert re.fullmatch(r"\d\d\.\d\d-py3", tag), f"{owner}: an NGC release tag, got {tag}"


def test_kiln_image_matches_package_version_everywhere() -> None:
    tags = {owner: _image_tag(image) for owner, image in all_images() if _repo(image) in KILN_IMAGES}
    assert len(tags) >= 7, tags  # gateway, ray head and workers, Triton in k8s and compose; launcher
    assert set(tags.values()) == {kiln_version()}, tags
    triton = {owner for owner, image in all_images() if _repo(image) == TRITON_IMAGE}
    assert triton == {"Deployment/triton/triton", "compose triton"}, triton


# -- cross-file consistency: compose ---------------------------------------------------------------
def _compose_command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def test_compose_services_are_healthchecked_and_wait_for_healthy_dependencies() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert rule["condition"] == "service_healthy", f"{name} -> {dependency}"
    gateway_deps = set(services["gateway"]["depends_on"])
    assert gateway_deps == {"redis", "ray-head", "ray-worker", "triton"}


def test_compose_volumes_are_declared_and_shared() -> None:
    declared = set(compose()["volumes"])
    mounts: dict[str, dict[str, str]] = {}
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            assert source in declared, f"{name}: volume {source} is not declared"
            mounts.setdefault(source, {})[name] = target
    # Job actors write through the same paths the gateway reads: identical mount points.
    assert len(set(mounts["artifacts"].values())) == 1
    assert set(mounts["artifacts"]) == {"gateway", "ray-head", "ray-worker", "triton"}
    assert len(set(mounts["triton-models"].values())) == 1
    assert {"gateway", "triton"} <= set(mounts["triton-models"])


def _compose_mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """target -> (volume, read-only) for the service's short-syntax volumes."""
    found = {}
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        found[target] = (source, "ro" in ",".join(mode).split(","))
    return found


def test_compose_triton_sees_the_model_repository_and_artifacts_where_the_gateway_does() -> None:
    """See the Kubernetes twin: config.pbtxt names the weights by absolute path in the artifact store."""
    services = compose()["services"]
    env = services["gateway"]["environment"]
    gateway, triton = _compose_mounts(services["gateway"]), _compose_mounts(services["triton"])
    for setting in ("KILN_TRITON_MODEL_REPOSITORY", "KILN_ARTIFACT_URL"):
        path = env[setting]
        assert path in gateway, f"the gateway does not mount {setting}={path}"
        assert path in triton, f"Triton does not mount {setting}={path}"
        assert triton[path][0] == gateway[path][0], (
            f"{path}: Triton mounts {triton[path][0]}, the gateway {gateway[path][0]}"
        )
        assert triton[path][1], f"Triton only reads {path}: mount it read-only"
        assert not gateway[path][1], f"the gateway writes {path}"
    command = _compose_command(services["triton"])
    repositories = [a.split("=", 1)[1] for a in command if a.startswith("--model-repository=")]
    assert repositories == [env["KILN_TRITON_MODEL_REPOSITORY"]]
    assert _repo(services["triton"]["image"]) == TRITON_IMAGE, "the stock NGC image cannot import torch or Kiln"
    assert services["triton"]["build"]["dockerfile"] == str(TRITON_DOCKERFILE.relative_to(DEPLOY.parent))


def test_compose_gateway_points_at_the_other_services() -> None:
    services = compose()["services"]
    env = services["gateway"]["environment"]
    _, host, port = _host_port(env["KILN_REDIS_URL"])
    assert host == "redis" and port == 6379
    scheme, host, port = _host_port(env["KILN_RAY_ADDRESS"])
    assert scheme == "ray" and "--head" in _compose_command(services[host])
    assert f"--ray-client-server-port={port}" in _compose_command(services[host])
    _, host, port = _host_port(env["KILN_TRITON_URL"])
    assert f"--grpc-port={port}" in _compose_command(services[host])
    artifacts = next(v.split(":")[1] for v in services["gateway"]["volumes"] if v.startswith("artifacts:"))
    assert env["KILN_ARTIFACT_URL"] == artifacts
    assert env["KILN_HOST"] == "0.0.0.0"


def test_compose_redis_is_durable_and_triton_explicit() -> None:
    services = compose()["services"]
    redis = _compose_command(services["redis"])
    flags = {redis[i]: redis[i + 1] for i in range(1, len(redis) - 1) if redis[i].startswith("--")}
    assert flags["--appendonly"] == "yes"
    assert flags["--appendfsync"] in {"always", "everysec"}
    assert flags["--maxmemory-policy"] == "noeviction"
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])
    assert "--model-control-mode=explicit" in _compose_command(services["triton"])
    for name in ("ray-worker", "triton"):
        devices = services[name]["deploy"]["resources"]["reservations"]["devices"]
        assert any("gpu" in d["capabilities"] for d in devices), name


# -- Dockerfile ------------------------------------------------------------------------------------
def test_dockerfile_copies_existing_paths_and_runs_the_gateway() -> None:
    text = DOCKERFILE.read_text()
    for match in re.finditer(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for source in match.group(1).split():
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11[.\d]*-slim", text, re.MULTILINE)
    assert re.search(r"^ARG TORCH_VERSION=(\S+)$", text, re.MULTILINE).group(1) in (ROOT / "pyproject.toml").read_text()
    assert 'CMD ["kiln", "serve"]' in text


def test_triton_dockerfile_adds_torch_and_kiln_to_the_ngc_image() -> None:
    text = TRITON_DOCKERFILE.read_text()
    for match in re.finditer(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for source in match.group(1).split():
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert (TRITON_DOCKERFILE.parent / f"{TRITON_DOCKERFILE.name}.dockerignore").is_file()
    base = re.search(r"^ARG TRITON_IMAGE=(\S+)$", text, re.MULTILINE).group(1)
    services = compose()["services"]
    assert "24.10-py3" in base and _repo(base) == "nvcr.io/nvidia/tritonserver"
    # The stub is rebuilt from the python_backend branch of the same release as the server.
    release = re.search(r"^ARG TRITON_RELEASE=(\S+)$", text, re.MULTILINE).group(1)
    assert release == "r" + _image_tag(base).removesuffix("-py3")
    torch_pin = re.search(r"^ARG TORCH_VERSION=(\S+)$", text, re.MULTILINE).group(1)
    assert f'"torch=={torch_pin}"' in (ROOT / "pyproject.toml").read_text()
    assert "pip install ." in text
    # model.py adopts PYTHONPATH by hand: it must name the venv that holds torch and kiln.
    pythonpath = re.search(r"PYTHONPATH=(\S+)", text).group(1)
    assert re.fullmatch(r"/opt/kiln/lib/python3\.\d+/site-packages", pythonpath), pythonpath
    assert "python3.11 -m venv /opt/kiln" in text
    assert "COPY --from=build /opt/kiln /opt/kiln" in text
    assert "backends/python/triton_python_backend_stub" in text
    assert services["triton"]["build"]["context"] == services["gateway"]["build"]["context"]


def test_container_healthcheck_script_reports_grpc_health() -> None:
    from concurrent import futures

    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    spec = importlib.util.spec_from_file_location("kiln_healthcheck", DEPLOY / "docker" / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    target = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    try:
        servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        assert script.main(["grpc", target]) == 0
        servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)  # what a draining gateway reports
        assert script.main(["grpc", target]) == 1
    finally:
        server.stop(grace=None)
    assert script.main(["grpc", target]) == 1
    assert script.main(["http", "http://127.0.0.1:9/"]) == 1
    assert script.main(["tcp", target]) == 2
