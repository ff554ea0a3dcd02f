"""JobService: create/get/list/cancel jobs and stream their events from Redis."""

from __future__ import annotations

import asyncio
import hashlib
import json

from google.protobuf import json_format

from kiln.v1 import jobs_pb2, jobs_pb2_grpc
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.convert import checkpoint_proto, job_event_proto, job_proto
from kiln_server.jobs.spec import build_job_spec
from kiln_server.jobs.store import JobStore, now_ms
from kiln_server.models.store import ModelStore
from kiln_server.operations.scripts import ACTIVE_STATES, FINAL_STATES
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable

# How long one XREAD blocks; short enough to notice shutdown promptly.
_WATCH_BLOCK_MS = 1000
_STATE_FILTER = {v: k.removeprefix("JOB_STATE_") for k, v in jobs_pb2.JobState.items()}
_METHOD_FILTER = {v: k.removeprefix("JOB_METHOD_").lower() for k, v in jobs_pb2.JobMethod.items()}


class JobService(jobs_pb2_grpc.JobServiceServicer):
    def __init__(
        self,
        jobs: JobStore,
        datasets: DatasetStore,
        models: ModelStore,
        artifacts: ArtifactStore,
        default_retries: int,
        shutdown: asyncio.Event,
    ):
        self.artifacts = artifacts
        self.jobs = jobs
        self.datasets = datasets
        self.models = models
        self.default_retries = default_retries
        self.shutdown = shutdown

    async def CreateJob(self, request, context):
        tenant = current_tenant()
        if len(request.request_id) > 128:
            raise InvalidArgument.field("request_id", "at most 128 characters")
        fingerprint = hashlib.sha256(request.job.SerializeToString(deterministic=True)).hexdigest()
        if (earlier := await self.jobs.seen_request(tenant, request.request_id, fingerprint)) is not None:
            return job_proto(await self.jobs.get(tenant, earlier))
        spec = await build_job_spec(
            request.job, tenant, self.datasets, self.models, self.default_retries, self.artifacts.local_path
        )
        job_id = names.new_id("jobs")
        user_part = jobs_pb2.Job()
        user_part.CopyFrom(request.job)
        for output_field in (
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
        ):
            user_part.ClearField(output_field)
        user_part.display_name = spec.display_name
        user_part.max_retries = spec.max_retries
        now = now_ms()
        fields = {
            "id": job_id,
            "tenant": tenant,
            "method": spec.method,
            "state": "QUEUED",
            "attempt": "0",
            "spec": json_format.MessageToJson(user_part, indent=None),
            "payload": json.dumps(spec.to_dict()),
            "create_time": str(now),
            "max_retries": str(spec.max_retries),
        }
        stored = await self.jobs.create(
            tenant,
            job_id,
            fields,
            score_ms=now,
            request_id=request.request_id,
            fingerprint=fingerprint,
            events_key=self.jobs.keys.job_events(tenant, job_id),
            event={"state": "QUEUED", "attempt": 0, "reason": "created"},
            active=True,
            enqueue=True,
        )
        return job_proto(await self.jobs.get(tenant, stored))

    async def GetJob(self, request, context):
        return job_proto(await self._record(request.name))

    async def ListJobs(self, request, context):
        tenant = current_tenant()
        state = _STATE_FILTER[request.state] if request.state else None
        method = _METHOD_FILTER[request.method] if request.method else None

        def keep(r: dict[str, str]) -> bool:
            return (state is None or r["state"] == state) and (method is None or r["method"] == method)

        records, token = await self.jobs.list_page(
            tenant, request.page_size, request.page_token, f"jobs:{state}:{method}", keep
        )
        return jobs_pb2.ListJobsResponse(jobs=[job_proto(r) for r in records], next_page_token=token)

    async def CancelJob(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        ok, state, _ = await self.jobs.transition(
            tenant, record["id"], ACTIVE_STATES, "CANCELLED", reason="cancelled by request"
        )
        if not ok:
            raise FailedPrecondition(f"{request.name} already ended in state {state}", subject=request.name)
        return job_proto(await self.jobs.get(tenant, record["id"]))

    async def WatchJob(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        job_id = record["id"]
        cursor = request.after_event_id or "0"
        if request.after_event_id and not await self.jobs.event_exists(tenant, job_id, request.after_event_id):
            raise InvalidArgument.field("after_event_id", f"no event {request.after_event_id!r} in {request.name}")
        while True:
            if self.shutdown.is_set():
                raise Unavailable(f"server is shutting down; resume with after_event_id={cursor}")
            events = await self.jobs.read_events(tenant, job_id, cursor, _WATCH_BLOCK_MS)
            for event_id, kind, data in events:
                cursor = event_id
                yield job_event_proto(event_id, kind, data)
                if kind == "state" and data["state"] in FINAL_STATES:
                    return
            if not events:
                # A final state always has its event in the stream (same Lua call), so an idle
                # stream of a final job means the client resumed past the end.
                current = await self.jobs.get(tenant, job_id)
                if current and current["state"] in FINAL_STATES:
                    return

    async def ListCheckpoints(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        checkpoints = await self.jobs.checkpoints(tenant, record["id"])
        return jobs_pb2.ListCheckpointsResponse(checkpoints=[checkpoint_proto(c) for c in checkpoints])

    async def _record(self, name: str) -> dict[str, str]:
        record = await self.jobs.get(current_tenant(), names.parse(name, "jobs"))
        if record is None:
            raise NotFound("job", name)
        return record
