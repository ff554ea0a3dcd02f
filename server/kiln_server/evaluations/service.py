"""EvaluationService: create/get/list evaluations and stream their events (the operation lifecycle).

Reuse of results: when a tenant asks for an evaluation whose results are already known (same
model versions, dataset content, metrics, seeded sampling settings and record count, see
EvaluationPlan.reuse_key), CreateEvaluation returns a *new* evaluation that is SUCCEEDED at
once with those results; its state change's reason names the evaluation that computed them. A new
resource rather than the old one, because the caller's display_name and labels belong to this
request, and because every create then behaves the same way (a fresh name, watchable to its final
state). Only SUCCEEDED results are reused; an identical evaluation still in flight is not
waited for, the new one runs too.
"""

from __future__ import annotations

import asyncio
import hashlib

from kiln.v1 import evaluation_pb2, evaluation_pb2_grpc
from kiln_server.datasets.store import DatasetStore
from kiln_server.evaluations.convert import evaluation_event_proto, evaluation_proto
from kiln_server.evaluations.record import EvaluationRecord, new_evaluation
from kiln_server.evaluations.spec import build_plan
from kiln_server.evaluations.store import EvaluationStore
from kiln_server.models.ref import ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.operations.create import NewOperation, accepted, create_once
from kiln_server.operations.events import check_event_id
from kiln_server.operations.watch import watch
from kiln_server.platform import names
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import NotFound

_STATE_FILTER = {v: k.removeprefix("EVALUATION_STATE_") for k, v in evaluation_pb2.EvaluationState.items()}
# Evaluation fields only the server sets: cleared from a CreateEvaluation request before it is stored.
OUTPUT_FIELDS = (
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
        self.models = ModelResolver(models)
        self.shutdown = shutdown

    async def CreateEvaluation(self, request, context):
        tenant = current_tenant()
        ev = accepted(request.evaluation, OUTPUT_FIELDS)

        async def new() -> NewOperation[EvaluationRecord]:
            plan = await build_plan(ev, tenant, self.datasets, self.models)
            return new_evaluation(tenant, ev, plan, await self.store.reusable_results(tenant, plan.reuse_key()))

        return evaluation_proto(await create_once(self.store, tenant, request.request_id, ev, new))

    async def GetEvaluation(self, request, context):
        return evaluation_proto(await self._record(request.name))

    async def ListEvaluations(self, request, context):
        state = _STATE_FILTER[request.state] if request.state else None
        model = request.model or None

        def keep(r: EvaluationRecord) -> bool:
            return (state is None or r.state == state) and (model is None or r.model == model)

        records, token = await self.store.list_page(
            current_tenant(),
            request.page_size,
            request.page_token,
            "evals:" + hashlib.sha256(f"{state}\0{model}".encode()).hexdigest()[:16],
            keep,
        )
        return evaluation_pb2.ListEvaluationsResponse(
            evaluations=[evaluation_proto(r) for r in records], next_page_token=token
        )

    async def WatchEvaluation(self, request, context):
        if request.after_event_id:  # malformed is INVALID_ARGUMENT whether or not the name exists
            check_event_id(request.after_event_id, "after_event_id")
        record = await self._record(request.name)
        async for event in watch(self.store, record.tenant, record.id, request.after_event_id, self.shutdown):
            yield evaluation_event_proto(event)

    async def _record(self, name: str) -> EvaluationRecord:
        record = await self.store.get(current_tenant(), names.parse(name, "evaluations"))
        if record is None:
            raise NotFound("evaluation", name)
        return record
