"""SweepService: create/get/list/cancel sweeps and stream their events (the operation lifecycle).

The servicer converts and delegates: validation is spec.py's, driving is the manager's
(manager.py, driver.py), storage is the store's.
"""

from __future__ import annotations

import asyncio

from kiln.v1 import sweeps_pb2, sweeps_pb2_grpc
from kiln_server.jobs.service import OUTPUT_FIELDS as JOB_OUTPUT_FIELDS
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.jobs.store import JobStore
from kiln_server.operations.create import NewOperation, accepted, create_once
from kiln_server.operations.record import ACTIVE_STATES, State
from kiln_server.operations.watch import watch
from kiln_server.platform import names
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, NotFound
from kiln_server.sweeps.convert import sweep_event_proto, sweep_proto
from kiln_server.sweeps.record import SweepRecord, TrialState, new_sweep
from kiln_server.sweeps.spec import build_plan
from kiln_server.sweeps.store import SweepStore

_STATE_FILTER = {v: k.removeprefix("SWEEP_STATE_") for k, v in sweeps_pb2.SweepState.items()}
# Sweep fields only the server sets: cleared from a CreateSweep request before it is stored.
OUTPUT_FIELDS = (
    "name",
    "state",
    "trials",
    "best_trials",
    "parameter_importances",
    "artifacts",
    "error",
    "create_time",
    "update_time",
    "end_time",
)


class SweepService(sweeps_pb2_grpc.SweepServiceServicer):
    def __init__(self, store: SweepStore, jobs: JobStore, specs: JobSpecBuilder, shutdown: asyncio.Event):
        self.store = store
        self.jobs = jobs
        self.specs = specs
        self.shutdown = shutdown

    async def CreateSweep(self, request, context):
        tenant = current_tenant()
        sweep = accepted(request.sweep, OUTPUT_FIELDS)
        if sweep.HasField("template"):
            sweep.template.CopyFrom(accepted(sweep.template, (*JOB_OUTPUT_FIELDS, "sweep")))

        async def new() -> NewOperation[SweepRecord]:
            return new_sweep(tenant, sweep, await build_plan(sweep, tenant, self.specs))

        return sweep_proto(await create_once(self.store, tenant, request.request_id, sweep, new))

    async def GetSweep(self, request, context):
        return sweep_proto(await self._record(request.name))

    async def ListSweeps(self, request, context):
        state = _STATE_FILTER[request.state] if request.state else None
        records, token = await self.store.list_page(
            current_tenant(),
            request.page_size,
            request.page_token,
            f"sweeps:{state}",
            lambda r: state is None or r.state == state,
        )
        return sweeps_pb2.ListSweepsResponse(sweeps=[sweep_proto(r) for r in records], next_page_token=token)

    async def CancelSweep(self, request, context):
        """CANCELLED, with its running trials marked so; their jobs are cancelled here and again
        by the driver when it sees the sweep end (either may come first)."""
        tenant = current_tenant()
        record = await self._record(request.name)
        trials = record.trials
        for trial in trials.running():
            trial.state, trial.reason = TrialState.CANCELLED, "sweep cancelled"
        ok, state, _ = await self.store.transition(
            tenant, record.id, ACTIVE_STATES, State.CANCELLED, reason="cancelled by request",
            fields={"trials": trials, "error": "cancelled by request"},
        )  # fmt: skip
        if not ok:
            raise FailedPrecondition(f"{request.name} already ended in state {state}", subject=request.name)
        for trial in trials.items.values():
            if trial.state == TrialState.CANCELLED and trial.job:
                await self.jobs.transition(
                    tenant, names.parse(trial.job, "jobs"), ACTIVE_STATES, State.CANCELLED, reason="sweep cancelled"
                )
        return sweep_proto(await self._record(request.name))

    async def WatchSweep(self, request, context):
        record = await self._record(request.name)
        async for event in watch(self.store, record.tenant, record.id, request.after_event_id, self.shutdown):
            yield sweep_event_proto(event)

    async def _record(self, name: str) -> SweepRecord:
        record = await self.store.get(current_tenant(), names.parse(name, "sweeps"))
        if record is None:
            raise NotFound("sweep", name)
        return record
