"""Ray Serve deployments of the engine: one Serve application per deployed model.

The gateway never runs a model: it starts Serve (no HTTP proxy; we only use handles), deploys
`EngineReplica` as an application named after the tenant and model, and calls it through
deployment handles (unary `generate`, streaming `stream`). Applications live in the Ray cluster,
so they outlive a gateway restart and every gateway of the cluster can reach them by name.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

log = logging.getLogger("kiln.serve")

# Requests the replica accepts at once; the engine's own bounded queue decides what is too many,
# so Serve is told to pass nearly everything through to it.
_MAX_ONGOING = 512


@dataclass(frozen=True)
class ServeSpec:
    app: str  # Serve application name
    model: str  # built-in name or a local model directory on the cluster's shared storage
    version: str
    replicas: int = 1
    min_replicas: int = 0  # 0: fixed at `replicas`
    max_replicas: int = 0
    max_batch: int = 32
    max_queue: int = 64
    cpus: float = 1.0
    gpus: float = 0.0
    family: str = "causal_lm"  # "image": the replica is an ImageReplica (same dict protocol)


def initial_replicas(spec: ServeSpec) -> int:
    """Replicas Serve starts with: `replicas`, or its clamp into the autoscaling bounds."""
    if spec.max_replicas:
        return max(spec.min_replicas, min(spec.replicas, spec.max_replicas))
    return spec.replicas


def app_name(prefix: str, tenant: str, model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{prefix}-{tenant}-{model_id}")


class RayServeBackend:
    def __init__(self) -> None:
        self._handles: dict[str, object] = {}
        self._started = False

    def _ensure_serve(self) -> None:
        from ray import serve

        if not self._started:
            # Serve's driver-side INFO lines ("Application ... is ready") would interleave with the
            # CLI's output; the gateway logs deployments itself.
            logging.getLogger("ray.serve").setLevel(logging.WARNING)
            serve.start(proxy_location="Disabled", http_options={"host": "127.0.0.1", "port": 0})
            self._started = True

    def _application(self, spec: ServeSpec):
        from ray import serve

        from kiln_trainer.inference.images import ImageReplica
        from kiln_trainer.inference.replica import EngineReplica

        options: dict = {
            "name": "engine",
            "max_ongoing_requests": _MAX_ONGOING,
            "ray_actor_options": {"num_cpus": spec.cpus, "num_gpus": spec.gpus},
            # Model loading can take a while on a cold node.
            "health_check_timeout_s": 60,
            "graceful_shutdown_timeout_s": 5,
        }
        if spec.max_replicas:
            options["autoscaling_config"] = {
                "min_replicas": spec.min_replicas,
                "max_replicas": spec.max_replicas,
                "initial_replicas": initial_replicas(spec),
                "target_ongoing_requests": max(1, spec.max_batch // 2),
            }
        else:
            options["num_replicas"] = spec.replicas
        replica = ImageReplica if spec.family == "image" else EngineReplica
        deployment = serve.deployment(replica).options(**options)
        return deployment.bind(spec.model, spec.version, spec.max_batch, spec.max_queue)

    def submit_blocking(self, spec: ServeSpec) -> None:
        """Creates or updates the application without waiting for its replicas: Serve would wait
        forever for replicas the cluster cannot place, so the caller polls `app_state` instead."""
        from ray import serve

        self._ensure_serve()
        target = serve.RunTarget(target=self._application(spec), name=spec.app, route_prefix=None)
        serve.run_many([target], wait_for_ingress_deployment_creation=False, wait_for_applications_running=False)
        self._handles.pop(spec.app, None)
        log.info("submitted to ray serve", extra={"app": spec.app, "version": spec.version})

    def deploy_blocking(self, spec: ServeSpec) -> None:
        """Creates or updates the application and waits until its replicas are ready."""
        from ray import serve

        self._ensure_serve()
        serve.run(self._application(spec), name=spec.app, route_prefix=None, blocking=False)
        self._handles.pop(spec.app, None)
        log.info("deployed on ray serve", extra={"app": spec.app, "version": spec.version})

    async def deploy(self, spec: ServeSpec) -> None:
        await asyncio.to_thread(self.deploy_blocking, spec)

    async def submit(self, spec: ServeSpec) -> None:
        await asyncio.to_thread(self.submit_blocking, spec)

    def app_state_blocking(self, app: str) -> tuple[str, str]:
        """(ApplicationStatus name or "" when absent, Serve's message about it)."""
        from ray import serve

        self._ensure_serve()
        status = serve.status().applications.get(app)
        if status is None:
            return "", ""
        name = str(getattr(status.status, "value", status.status))
        messages = [status.message] + [d.message for d in status.deployments.values()]
        return name, "; ".join(m for m in messages if m)

    async def app_state(self, app: str) -> tuple[str, str]:
        return await asyncio.to_thread(self.app_state_blocking, app)

    async def undeploy(self, app: str) -> None:
        from ray import serve

        def run() -> None:
            self._ensure_serve()
            serve.delete(app, _blocking=True)

        self._handles.pop(app, None)
        await asyncio.to_thread(run)

    def is_running(self, app: str) -> bool:
        from ray import serve

        try:
            status = serve.status().applications.get(app)
        except Exception:
            return False
        return status is not None and str(status.status).endswith("RUNNING")

    def handle(self, app: str):
        h = self._handles.get(app)
        if h is None:
            from ray import serve

            h = serve.get_app_handle(app)
            self._handles[app] = h
        return h

    async def generate(self, app: str, request: dict) -> dict:
        response = self.handle(app).generate.remote(request)
        try:
            return await response
        except asyncio.CancelledError:
            response.cancel()  # the client went away or its deadline passed: free the slots
            raise

    def stream(self, app: str, request: dict):
        """An async iterator of stream items; call `.cancel()` on it to stop the generation."""
        return self.handle(app).options(stream=True).stream.remote(request)
