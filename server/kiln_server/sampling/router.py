"""Which deployment serves a model: resolution of a model name to a Route, and deploy/undeploy.

A model is a registered model ("models/{id}") or a built-in base model name. Resolution reads
the model record and its deployment from Redis and remembers the answer, so that sampling keeps
working on last-known routes while Redis is unreachable.

A route to a READY deployment is also kept for `KilnConfig.local_cache_ttl_s` (`fresh`), so a
call in that window (a cache hit above all) reads neither record. Deploying, undeploying or
deleting the model through this gateway drops it at once (`forget`); through another gateway,
this one may route to the old deployment for at most the TTL (the call then fails UNAVAILABLE
at the replica, or is answered from the result cache, whose entries the deletion removed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from redis.exceptions import RedisError

from kiln_server.models.ref import ModelKind, ModelRef, ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.config import KilnConfig
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, KilnError, Unavailable
from kiln_server.platform.ttl_cache import TtlCache
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.sampling.ray_serve import RayServeBackend, ServeSpec, app_name
from kiln_server.sampling.record import DeploymentRecord
from kiln_server.sampling.rollout import Rollouts
from kiln_server.sampling.triton import TritonBackend

log = logging.getLogger("kiln.router")

RAY_SERVE, TRITON = "RAY_SERVE", "TRITON"
SERVABLE = ("causal_lm", "image", "")  # model families a deployment can sample from


@dataclass(frozen=True)
class Route:
    model: str  # the name the client used
    model_id: str  # registry id, or the built-in name
    version: str
    target: str
    app: str
    family: str = "causal_lm"  # what the model makes: "causal_lm" text or "image" pictures


class Router:
    def __init__(
        self,
        config: KilnConfig,
        models: ModelStore,
        deployments: DeploymentStore,
        artifacts: ArtifactStore,
        serve: RayServeBackend,
        triton: TritonBackend | None = None,
    ):
        self.config = config
        self.models = models
        self.resolver = ModelResolver(models)
        self.deployments = deployments
        self.artifacts = artifacts
        self.serve = serve
        self.triton = triton
        self._known: dict[tuple[str, str], Route] = {}
        self._fresh: TtlCache[tuple[str, str], Route] = TtlCache(config.local_cache_ttl_s)
        self.rollouts = Rollouts(config, deployments, serve)

    async def model_ref(self, tenant: str, name: str, field: str = "name") -> ModelRef:
        return await self.resolver.resolve(tenant, name, field, registry_names=True)

    def serve_path(self, ref: ModelRef) -> str:
        """What a replica loads: the built-in name or the model's local directory."""
        local = ref.local_path(self.artifacts)
        if local is None:
            raise FailedPrecondition(
                f"{ref.name} lives in a remote artifact store; serving needs shared local storage", subject=ref.name
            )
        return local

    async def resolve(
        self,
        tenant: str,
        name: str,
        check: Callable[[str], None] | None = None,
        alongside: Callable[[str], Awaitable[None]] | None = None,
    ) -> Route:
        """The route for sampling `name`; NOT_FOUND / FAILED_PRECONDITION with what to do.
        `check(family)` runs once the model's family is known, before any on-demand deploy.
        `alongside(version)` runs concurrently with the deployment lookup once the model's
        version is known (the sampler's cache lookup: a hit then costs one Redis round trip
        less); it must not raise, and it may run even when resolution then fails."""
        if not name:
            raise InvalidArgument.field("model", "required")
        fresh = self.fresh(tenant, name, check)
        if fresh is not None:
            return fresh
        epoch = self._fresh.epoch
        try:
            route = await self._resolve(tenant, name, check, alongside, epoch)
        except (RedisError, OSError) as exc:
            known = self._known.get((tenant, name))
            if known is None:
                raise Unavailable(f"state store unreachable and no route known for {name}: {exc}") from exc
            if check is not None:
                check(known.family)
            return known
        self._known[(tenant, name)] = route
        return route

    def fresh(self, tenant: str, name: str, check: Callable[[str], None] | None = None) -> Route | None:
        """The route resolved less than the TTL ago, if any, with no Redis read."""
        route = self._fresh.get((tenant, name))
        if route is not None and check is not None:
            check(route.family)
        return route

    def forget(self, tenant: str, model_id: str | None = None) -> None:
        """Drops this gateway's routes to the model (every model of the tenant when None):
        after a deploy, undeploy or deletion through this gateway."""

        def match(key: tuple[str, str], route: Route) -> bool:
            return key[0] == tenant and (model_id is None or route.model_id == model_id)

        self._fresh.drop_where(match)
        self._known = {k: v for k, v in self._known.items() if not match(k, v)}

    async def _resolve(
        self,
        tenant: str,
        name: str,
        check: Callable[[str], None] | None,
        alongside: Callable[[str], Awaitable[None]] | None = None,
        epoch: int | None = None,
    ) -> Route:
        ref = await self.model_ref(tenant, name, field="model")
        if ref.family not in SERVABLE:
            raise FailedPrecondition(
                f"{name} is a {ref.family} model; sampling needs a causal LM or an image model", subject=name
            )
        if check is not None:
            check(ref.family or "causal_lm")
        if alongside is None:
            dep = await self.deployments.get(tenant, ref.model_id)
        else:
            dep, _ = await asyncio.gather(self.deployments.get(tenant, ref.model_id), alongside(ref.version))
        if dep is not None and dep.state == "PENDING" and self.rollouts.in_flight(tenant, ref.model_id) is None:
            raise Unavailable(f"{name} is PENDING: its deploy waits for room on the cluster ({dep.reason})")
        if dep is None or dep.state not in ("READY", "DEPLOYING"):
            # A built-in has no deployment choices to make, so its first sample deploys it.
            if not (self.config.deploy_on_demand or ref.kind == ModelKind.BUILTIN):
                raise FailedPrecondition(
                    f"{name} is not deployed: call ModelService.DeployModel (target RAY_SERVE) first, "
                    "or run the gateway with KILN_DEPLOY_ON_DEMAND=true",
                    subject=name,
                )
            dep = await self.deploy(tenant, name, RAY_SERVE, 1, 0, 0)
        route = Route(name, ref.model_id, ref.version, dep.target, dep.app, ref.family or "causal_lm")
        if dep.state == "READY":
            self._fresh.put((tenant, name), route, epoch)
        return route

    async def deploy(
        self, tenant: str, name: str, target: str, replicas: int, min_r: int, max_r: int
    ) -> DeploymentRecord:
        ref = await self.model_ref(tenant, name)
        try:
            return await self._deploy(tenant, name, ref, target, replicas, min_r, max_r)
        finally:  # a redeploy may change the target or app, a failed one leaves none
            self.forget(tenant, ref.model_id)

    async def _deploy(
        self, tenant: str, name: str, ref: ModelRef, target: str, replicas: int, min_r: int, max_r: int
    ) -> DeploymentRecord:
        if ref.family not in SERVABLE:
            raise FailedPrecondition(
                f"{name} is a {ref.family} model; only causal LMs and image models are served", subject=name
            )
        if ref.family == "image" and target != RAY_SERVE:
            raise FailedPrecondition(f"{name} is an image model; image models deploy to RAY_SERVE", subject=name)
        if target == TRITON:
            return await self._deploy_triton(tenant, name, ref, replicas, min_r, max_r)
        if target != RAY_SERVE:
            raise FailedPrecondition(f"deployment target {target} is not available in this gateway", subject=name)
        serve_path = self.serve_path(ref)
        app = app_name(self.config.redis_prefix, tenant, ref.model_id)
        spec = ServeSpec(
            app=app,
            model=serve_path,
            version=ref.version,
            replicas=replicas,
            min_replicas=min_r,
            max_replicas=max_r,
            max_batch=self.config.serve_max_batch,
            max_queue=self.config.serve_max_queue,
            cpus=self.config.serve_replica_cpus,
            family=ref.family or "causal_lm",
        )
        joined = await self.rollouts.join(tenant, ref.model_id, name, spec)
        if joined is not None:
            return joined
        # Replicas the cluster could never hold fail here, before anything is recorded.
        await self.rollouts.check_placeable(name, spec)
        before = await self.deployments.get(tenant, ref.model_id)
        held = before.replicas if before and before.state == "READY" and before.app == app else 0
        deployment = DeploymentRecord(
            target=target,
            replicas=replicas,
            min_replicas=min_r,
            max_replicas=max_r,
            state="PENDING",
            app=app,
            version=ref.version,
            update_time=int(time.time() * 1000),
        )
        await self.deployments.put(tenant, ref.model_id, deployment)
        return await self.rollouts.run(tenant, ref.model_id, name, deployment, spec, held)

    async def _deploy_triton(
        self, tenant: str, name: str, ref: ModelRef, replicas: int, min_r: int, max_r: int
    ) -> DeploymentRecord:
        """Writes the model's repository entry (checking a compressed export first) and loads it."""
        from kiln_server.sampling.triton_repo import TritonEntry, write_entry

        if self.triton is None:
            raise FailedPrecondition("deployment target TRITON is not available in this gateway", subject=name)
        if min_r or max_r:
            raise InvalidArgument.field(
                "max_replicas",
                "autoscaling is only available on target RAY_SERVE; set replicas (Triton model instances) instead",
            )
        app = app_name(self.config.redis_prefix, tenant, ref.model_id)
        entry = TritonEntry(
            name=app,
            model_path=self.serve_path(ref),
            model_version=ref.version,
            instance_count=replicas,
            instance_kind="KIND_GPU" if Path("/dev/nvidia0").exists() else "KIND_CPU",
            engine_max_batch=self.config.serve_max_batch,
            engine_max_queue=self.config.serve_max_queue,
        )
        # A corrupt export fails here with the reason, before any deployment is recorded.
        await asyncio.to_thread(write_entry, self.triton.model_repository, entry)
        deployment = DeploymentRecord(
            target=TRITON, replicas=replicas, app=app, version=ref.version, update_time=int(time.time() * 1000)
        )
        await self.deployments.put(tenant, ref.model_id, deployment)
        try:
            await self.triton.load(app)
        except KilnError as exc:
            await self.deployments.set_state(tenant, ref.model_id, "FAILED", exc.message)
            raise
        await self.deployments.set_state(tenant, ref.model_id, "READY")
        log.info("model deployed", extra={"model": name, "app": app, "tenant": tenant, "target": TRITON})
        return replace(deployment, state="READY")

    async def undeploy(self, tenant: str, name: str) -> None:
        ref = await self.model_ref(tenant, name)
        dep = await self.deployments.get(tenant, ref.model_id)
        if dep is None:
            raise FailedPrecondition(f"{name} is not deployed", subject=name)
        if dep.target == TRITON:
            from kiln_server.sampling.triton_repo import remove_entry

            if self.triton is None:
                raise FailedPrecondition("deployment target TRITON is not available in this gateway", subject=name)
            await self.triton.unload(dep.app)
            await asyncio.to_thread(remove_entry, self.triton.model_repository, dep.app)
        else:
            # A rollout still waiting (PENDING) or starting ends now, its caller told ABORTED; one
            # of this gateway's that never reached Serve has no application to delete.
            if self.rollouts.cancel(tenant, ref.model_id):
                await self.serve.undeploy(dep.app)
        await self.deployments.delete(tenant, ref.model_id)
        self.forget(tenant, ref.model_id)

    async def deployment_of(self, tenant: str, model_id: str) -> DeploymentRecord | None:
        return await self.deployments.get(tenant, model_id)
