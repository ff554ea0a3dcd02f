"""One Ray Serve deploy, from request to READY: fail fast, wait PENDING, be cancellable.

Ray Serve accepts any number of replicas and waits forever for those the cluster cannot
schedule, so a DeployModel that trusted it would hang until the client's deadline. A rollout
instead:

1. asks the cluster first: replicas that could never be placed (more than all nodes hold even
   when idle) are FAILED_PRECONDITION at once, before anything is recorded;
2. waits in state PENDING while the cluster is busy, up to `deploy_pending_timeout_s`, then
   gives up with RESOURCE_EXHAUSTED (nothing submitted, the record removed);
3. submits the application without blocking and polls Serve until RUNNING (READY), a failure
   (FAILED), or `deploy_timeout_s`.

An UndeployModel at any point ends it: this gateway's rollouts hear it at once through an
event; a rollout on another gateway sees the deployment's hash gone on its next poll. Either way
the waiting DeployModel gets ABORTED, and a rollout never writes to a hash that was removed
(`update_if_present`), so an undeploy cannot be undone by a late state write.

The rollout runs as its own task: a caller whose deadline passes stops waiting, not deploying
(GetModel shows where it got to), and a repeated DeployModel with the same settings joins it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kiln_server.platform.config import KilnConfig
from kiln_server.platform.errors import Aborted, FailedPrecondition, ResourceExhausted, Unavailable
from kiln_server.sampling.deployments import DeploymentStore
from kiln_server.sampling.placement import ClusterView, ReplicaNeed, cluster_view, free_now, never_fits
from kiln_server.sampling.ray_serve import RayServeBackend, ServeSpec, initial_replicas
from kiln_server.sampling.record import DeploymentRecord

log = logging.getLogger("kiln.rollout")

POLL_S = 0.25  # cluster and Serve status polls; also the bound on how late a cancel is heard


@dataclass
class _Rollout:
    spec: ServeSpec
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    submitted: bool = False  # the application was handed to Serve (undeploy must delete it)


class Rollouts:
    """This gateway's Ray Serve deploys in flight, by (tenant, model id)."""

    def __init__(
        self,
        config: KilnConfig,
        deployments: DeploymentStore,
        serve: RayServeBackend,
        view: Callable[[], ClusterView] = cluster_view,
    ):
        self.config = config
        self.deployments = deployments
        self.serve = serve
        self.view = view
        self._inflight: dict[tuple[str, str], _Rollout] = {}

    def need(self, spec: ServeSpec) -> ReplicaNeed:
        return ReplicaNeed(replicas=initial_replicas(spec), cpus=spec.cpus, gpus=spec.gpus)

    async def check_placeable(self, name: str, spec: ServeSpec) -> None:
        """FAILED_PRECONDITION when the cluster, even idle, cannot hold the replicas."""
        why = never_fits(await asyncio.to_thread(self.view), self.need(spec))
        if why:
            raise FailedPrecondition(f"{name}: {why}", subject=name, violation_type="RESOURCES")

    def in_flight(self, tenant: str, model_id: str) -> ServeSpec | None:
        current = self._inflight.get((tenant, model_id))
        return current.spec if current else None

    async def join(self, tenant: str, model_id: str, name: str, spec: ServeSpec) -> DeploymentRecord | None:
        """Waits on a rollout already in flight for the same settings; None when there is none."""
        current = self._inflight.get((tenant, model_id))
        if current is None or current.task is None:
            return None
        if current.spec != spec:
            raise FailedPrecondition(
                f"a deploy of {name} with other settings is in progress: wait for it, or call UndeployModel",
                subject=name,
            )
        return await asyncio.shield(current.task)

    async def run(
        self, tenant: str, model_id: str, name: str, record: DeploymentRecord, spec: ServeSpec, held: int
    ) -> DeploymentRecord:
        """Drives a deploy whose record (state PENDING) was just written. `held`: replicas of this
        model already running (a redeploy), which the new ones may reuse."""
        key = (tenant, model_id)
        rollout = _Rollout(spec)
        rollout.task = asyncio.create_task(self._drive(tenant, model_id, name, record, rollout, held))
        self._inflight[key] = rollout

        def done(_: asyncio.Task) -> None:
            if self._inflight.get(key) is rollout:
                del self._inflight[key]

        rollout.task.add_done_callback(done)
        return await asyncio.shield(rollout.task)

    def cancel(self, tenant: str, model_id: str) -> bool:
        """Ends this gateway's rollout of the model, if any (UndeployModel). False when that
        rollout never reached Serve, so there is no application to delete."""
        current = self._inflight.get((tenant, model_id))
        if current is None:
            return True
        current.cancelled.set()
        return current.submitted

    async def _tick(self, rollout: _Rollout) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(rollout.cancelled.wait(), POLL_S)

    async def _still_wanted(self, tenant: str, model_id: str, name: str, rollout: _Rollout, **fields: str) -> None:
        """ABORTED when an UndeployModel ended the rollout; records `fields` otherwise."""
        gone = rollout.cancelled.is_set()
        if not gone:
            if fields:
                gone = not await self.deployments.update_if_present(tenant, model_id, **fields)
            else:
                gone = await self.deployments.get(tenant, model_id) is None
        if gone:
            raise Aborted(f"the deploy of {name} was cancelled by UndeployModel")

    async def _drive(
        self, tenant: str, model_id: str, name: str, record: DeploymentRecord, rollout: _Rollout, held: int
    ) -> DeploymentRecord:
        loop = asyncio.get_running_loop()
        spec, need = rollout.spec, self.need(rollout.spec)
        start = loop.time()
        reason = ""
        # 1. Room on the cluster: PENDING until the replicas fit in what is free.
        while True:
            await self._still_wanted(tenant, model_id, name, rollout)
            view = await asyncio.to_thread(self.view)
            fits = free_now(view, need) + held
            if fits >= need.replicas:
                break
            waited = loop.time() - start
            if waited >= self.config.deploy_pending_timeout_s:
                await self.deployments.delete(tenant, model_id)
                raise ResourceExhausted(
                    f"{name}: the cluster is busy: {need.replicas} replicas of {need.cpus:g} CPU"
                    f"{f' and {need.gpus:g} GPU' if need.gpus else ''} each asked for, room for {fits} freed up in "
                    f"{waited:.0f} s of waiting (KILN_DEPLOY_PENDING_TIMEOUT_S); undeploy something or retry later",
                    subject="cluster.resources",
                    retry_after_s=max(1.0, self.config.deploy_pending_timeout_s),
                )
            text = f"waiting for cluster room: {need.replicas} replicas asked for, {fits} fit now"
            if text != reason:
                reason = text
                await self._still_wanted(tenant, model_id, name, rollout, reason=reason)
            await self._tick(rollout)
        # 2. Placed: submit, then poll Serve until the replicas are up.
        await self._still_wanted(tenant, model_id, name, rollout, state="DEPLOYING", reason="")
        rollout.submitted = True
        try:
            await self.serve.submit(spec)
        except Exception as exc:
            await self.deployments.update_if_present(
                tenant, model_id, state="FAILED", error=f"{type(exc).__name__}: {exc}"
            )
            raise Unavailable(f"deploying {name} on Ray Serve failed: {exc}") from exc
        submitted = loop.time()
        while True:
            try:
                await self._still_wanted(tenant, model_id, name, rollout)
            except Aborted:
                # Removed while (or just before) we submitted: take the application down again,
                # unless this gateway's UndeployModel is doing so itself.
                if not rollout.cancelled.is_set():
                    await self.serve.undeploy(spec.app)
                raise
            status, message = await self.serve.app_state(spec.app)
            if status == "RUNNING":
                await self._still_wanted(tenant, model_id, name, rollout, state="READY", error="")
                log.info("model deployed", extra={"model": name, "app": spec.app, "tenant": tenant})
                return replace(record, state="READY", reason="")
            if status in ("DEPLOY_FAILED", "UNHEALTHY"):
                await self.deployments.update_if_present(tenant, model_id, state="FAILED", error=message[:1000])
                raise Unavailable(f"deploying {name} on Ray Serve failed: {message[:500]}")
            if loop.time() - submitted > self.config.deploy_timeout_s:
                await self.deployments.update_if_present(
                    tenant, model_id, state="FAILED", error=f"not ready after {self.config.deploy_timeout_s:g} s"
                )
                await self.serve.undeploy(spec.app)
                raise Unavailable(f"{name} was not ready after {self.config.deploy_timeout_s:g} s: {message[:500]}")
            await self._tick(rollout)
