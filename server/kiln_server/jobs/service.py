"""JobService: create/get/list/cancel jobs and stream their events (the operation lifecycle)."""

from __future__ import annotations

import asyncio
import contextlib

from kiln.v1 import jobs_pb2, jobs_pb2_grpc
from kiln_server.jobs.admission import JobAdmission
from kiln_server.jobs.convert import checkpoint_proto, job_event_proto, job_proto
from kiln_server.jobs.record import JobRecord, new_job
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.jobs.store import JobStore
from kiln_server.operations.create import NewOperation, accepted, create_once
from kiln_server.operations.events import check_event_id
from kiln_server.operations.record import ACTIVE_STATES, State
from kiln_server.operations.watch import watch
from kiln_server.platform import names
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, NotFound

_STATE_FILTER = {v: k.removeprefix("JOB_STATE_") for k, v in jobs_pb2.JobState.items()}
_METHOD_FILTER = {v: k.removeprefix("JOB_METHOD_").lower() for k, v in jobs_pb2.JobMethod.items()}
# Job fields only the server sets: cleared from a CreateJob request before it is stored.
OUTPUT_FIELDS = (
    "name",
    "state",
    "attempt",
    "step",
    "total_steps",
    "latest_metrics",
    "output_model",
    "artifacts",
    "error",
    "create_time",
    "start_time",
    "end_time",
    "sweep",  # set only by a sweep creating its trials (sweeps/trials.py)
)


class JobService(jobs_pb2_grpc.JobServiceServicer):
    def __init__(
        self,
        jobs: JobStore,
        specs: JobSpecBuilder,
        shutdown: asyncio.Event,
        admission: JobAdmission | None = None,
    ):
        self.jobs = jobs
        self.specs = specs
        self.shutdown = shutdown
        self.admission = admission

    async def CreateJob(self, request, context):
        tenant = current_tenant()
        job = accepted(request.job, OUTPUT_FIELDS)

        async def new() -> NewOperation[JobRecord]:
            spec = await self.specs.build(job, tenant)
            if self.admission is not None:
                await self.admission.check(tenant, spec.resources)
            return new_job(tenant, job, spec)

        # A retry of a created job is answered without a quota check (create_once finds it).
        serialized = self.admission.serialized(tenant) if self.admission else contextlib.nullcontext()
        async with serialized:
            return job_proto(await create_once(self.jobs, tenant, request.request_id, job, new))

    async def GetJob(self, request, context):
        return job_proto(await self._record(request.name))

    async def ListJobs(self, request, context):
        state = _STATE_FILTER[request.state] if request.state else None
        method = _METHOD_FILTER[request.method] if request.method else None

        sweep = request.sweep or None

        def keep(r: JobRecord) -> bool:
            return (
                (state is None or r.state == state)
                and (method is None or r.method == method)
                and (sweep is None or r.spec.sweep == sweep)
            )

        records, token = await self.jobs.list_page(
            current_tenant(), request.page_size, request.page_token, f"jobs:{state}:{method}:{sweep}", keep
        )
        return jobs_pb2.ListJobsResponse(jobs=[job_proto(r) for r in records], next_page_token=token)

    async def CancelJob(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        ok, state, _ = await self.jobs.transition(
            tenant, record.id, ACTIVE_STATES, State.CANCELLED, reason="cancelled by request"
        )
        if not ok:
            raise FailedPrecondition(f"{request.name} already ended in state {state}", subject=request.name)
        return job_proto(await self._record(request.name))

    async def WatchJob(self, request, context):
        if request.after_event_id:  # malformed is INVALID_ARGUMENT whether or not the name exists
            check_event_id(request.after_event_id, "after_event_id")
        record = await self._record(request.name)
        async for event in watch(self.jobs, record.tenant, record.id, request.after_event_id, self.shutdown):
            yield job_event_proto(event)

    async def ListCheckpoints(self, request, context):
        record = await self._record(request.name)
        checkpoints = await self.jobs.checkpoints(record.tenant, record.id)
        return jobs_pb2.ListCheckpointsResponse(checkpoints=[checkpoint_proto(c) for c in checkpoints])

    async def _record(self, name: str) -> JobRecord:
        record = await self.jobs.get(current_tenant(), names.parse(name, "jobs"))
        if record is None:
            raise NotFound("job", name)
        return record
