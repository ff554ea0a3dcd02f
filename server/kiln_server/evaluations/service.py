"""EvaluationService: create/get/list evaluations and stream their events from Redis.

Reuse of results: when a tenant asks for an evaluation whose results are already known (same
model versions, dataset content, metrics, seeded sampling settings and record count, see
EvaluationPlan.reuse_key), CreateEvaluation returns a *new* evaluation that is SUCCEEDED at
once with those results; its state change's reason names the evaluation that computed them. A new resource
rather than the old one, because the caller's display_name and labels belong to this request,
and because every create then behaves the same way (a fresh name, watchable to its final
state). Only SUCCEEDED results are reused; an identical evaluation still in flight is not
waited for, the new one runs too.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

from google.protobuf import json_format

from kiln.v1 import evaluation_pb2, evaluation_pb2_grpc
from kiln_server.datasets.store import DatasetStore
from kiln_server.evaluations.spec import build_plan
from kiln_server.evaluations.store import EvaluationStore, progress_event, state_event
from kiln_server.jobs.store import now_ms
from kiln_server.models.store import ModelStore
from kiln_server.operations.scripts import FINAL_STATES
from kiln_server.platform import names
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import InvalidArgument, NotFound, Unavailable
from kiln_server.platform.timestamps import ts

_WATCH_BLOCK_MS = 1000  # one XREAD blocks this long; short enough to notice shutdown promptly
_STATE_FILTER = {v: k.removeprefix("EVALUATION_STATE_") for k, v in evaluation_pb2.EvaluationState.items()}
_OUTPUT_FIELDS = (
    "name",
    "state",
    "results",
    "completed_records",
    "total_records",
    "error",
    "create_time",
    "update_time",
    "end_time",
)


class EvaluationService(evaluation_pb2_grpc.EvaluationServiceServicer):
    def __init__(self, store: EvaluationStore, datasets: DatasetStore, models: ModelStore, shutdown: asyncio.Event):
        self.store = store
        self.datasets = datasets
        self.models = models
        self.shutdown = shutdown

    async def CreateEvaluation(self, request, context):
        tenant = current_tenant()
        if len(request.request_id) > 128:
            raise InvalidArgument.field("request_id", "at most 128 characters")
        user_part = evaluation_pb2.Evaluation()
        user_part.CopyFrom(request.evaluation)
        for output_field in _OUTPUT_FIELDS:
            user_part.ClearField(output_field)
        fingerprint = hashlib.sha256(user_part.SerializeToString(deterministic=True)).hexdigest()
        if (earlier := await self.store.seen_request(tenant, request.request_id, fingerprint)) is not None:
            return await self._get(tenant, earlier)
        plan = await build_plan(user_part, tenant, self.datasets, self.models)
        if not user_part.display_name:
            user_part.display_name = f"{', '.join(plan.metrics)} of {user_part.model}"
        reuse_key = plan.reuse_key()
        eid = names.new_id("evaluations")
        now = now_ms()
        fields = {
            "id": eid,
            "tenant": tenant,
            "model": user_part.model,
            "attempt": "0",
            "spec": json_format.MessageToJson(user_part, indent=None),
            "payload": json.dumps(plan.to_dict()),
            "reuse_key": reuse_key,
            "create_time": str(now),
            "update_time": str(now),
            "total_records": str(plan.max_records),
            "completed_records": "0",
            "results": "{}",
        }
        reused = await self.store.reusable_results(tenant, reuse_key)
        if reused is not None:
            results, done = reused["results"], int(reused["completed_records"])
            fields.update(
                state="SUCCEEDED",
                results=json.dumps(results),
                completed_records=str(done),
                total_records=str(reused["total_records"]),
                end_time=str(now),
                reused_from=reused["evaluation"],
            )
            events = [
                ("progress", progress_event(done, int(reused["total_records"]), results)),
                ("state", state_event("SUCCEEDED", 0, f"results reused from {reused['evaluation']}")),
            ]
        else:
            fields["state"] = "QUEUED"
            events = [("state", state_event("QUEUED", 0, "created"))]
        stored = await self.store.create_evaluation(
            tenant,
            eid,
            fields,
            score_ms=now,
            request_id=request.request_id,
            fingerprint=fingerprint,
            events=events,
            queue=reused is None,
        )
        return await self._get(tenant, stored)

    async def GetEvaluation(self, request, context):
        return evaluation_proto(await self._record(request.name))

    async def ListEvaluations(self, request, context):
        tenant = current_tenant()
        state = _STATE_FILTER[request.state] if request.state else None
        model = request.model or None

        def keep(r: dict[str, str]) -> bool:
            return (state is None or r["state"] == state) and (model is None or r.get("model") == model)

        records, token = await self.store.list_page(
            tenant,
            request.page_size,
            request.page_token,
            "evals:" + hashlib.sha256(f"{state}\0{model}".encode()).hexdigest()[:16],
            keep,
        )
        return evaluation_pb2.ListEvaluationsResponse(
            evaluations=[evaluation_proto(r) for r in records], next_page_token=token
        )

    async def WatchEvaluation(self, request, context):
        tenant = current_tenant()
        record = await self._record(request.name)
        eid = record["id"]
        cursor = request.after_event_id or "0"
        if request.after_event_id and not await self.store.event_exists(tenant, eid, request.after_event_id):
            raise InvalidArgument.field("after_event_id", f"no event {request.after_event_id!r} in {request.name}")
        while True:
            if self.shutdown.is_set():
                raise Unavailable(f"server is shutting down; resume with after_event_id={cursor}")
            events = await self.store.read_events(tenant, eid, cursor, _WATCH_BLOCK_MS)
            for event_id, kind, data in events:
                cursor = event_id
                yield event_proto(event_id, kind, data)
                if kind == "state" and data["state"] in FINAL_STATES:
                    return
            if not events:
                # A final state is written with its event in one script, so an idle stream of a
                # finished evaluation means the client resumed past the end.
                current = await self.store.get(tenant, eid)
                if current and current["state"] in FINAL_STATES:
                    return

    async def _get(self, tenant: str, eid: str) -> evaluation_pb2.Evaluation:
        record = await self.store.get(tenant, eid)
        if record is None:  # created a moment ago: only a deleted key could get here
            raise NotFound("evaluation", f"evaluations/{eid}")
        return evaluation_proto(record)

    async def _record(self, name: str) -> dict[str, str]:
        record = await self.store.get(current_tenant(), names.parse(name, "evaluations"))
        if record is None:
            raise NotFound("evaluation", name)
        return record


def evaluation_proto(r: dict[str, str]) -> evaluation_pb2.Evaluation:
    ev = evaluation_pb2.Evaluation()
    json_format.Parse(r["spec"], ev)
    ev.name = f"evaluations/{r['id']}"
    ev.state = evaluation_pb2.EvaluationState.Value(f"EVALUATION_STATE_{r['state']}")
    ev.results.update(json.loads(r.get("results") or "{}"))
    ev.completed_records = int(r.get("completed_records") or 0)
    ev.total_records = int(r.get("total_records") or 0)
    ev.error = r.get("error", "")
    for attr in ("create_time", "update_time", "end_time"):
        if r.get(attr):
            getattr(ev, attr).CopyFrom(ts(r[attr]))
    return ev


def event_proto(event_id: str, kind: str, data: dict) -> evaluation_pb2.EvaluationEvent:
    ev = evaluation_pb2.EvaluationEvent(id=event_id)
    ev.time.FromMilliseconds(int(event_id.split("-")[0]))
    if kind == "state":
        ev.state_change.CopyFrom(
            evaluation_pb2.EvaluationStateChange(
                state=evaluation_pb2.EvaluationState.Value(f"EVALUATION_STATE_{data['state']}"),
                reason=data.get("reason", ""),
            )
        )
    else:
        ev.progress.CopyFrom(
            evaluation_pb2.EvaluationProgress(
                completed_records=data["completed_records"],
                total_records=data["total_records"],
                results=data["results"],
            )
        )
    return ev
