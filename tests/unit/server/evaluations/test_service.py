"""EvaluationService's RPCs called in process (no gRPC, no Ray), including the reuse of results."""

from __future__ import annotations

import asyncio
import json

import pytest

from kiln.v1 import evaluation_pb2 as E
from kiln_server.datasets.store import DatasetStore
from kiln_server.evaluations.record import ReusableResults
from kiln_server.evaluations.service import EvaluationService
from kiln_server.evaluations.store import EvaluationStore
from kiln_server.models.store import ModelStore
from kiln_server.platform.context import tenant_var
from kiln_server.platform.errors import InvalidArgument
from tests.unit.server.records import add_dataset


@pytest.fixture
async def service(redis_client, keys) -> EvaluationService:
    datasets = DatasetStore(redis_client, keys)
    await add_dataset(datasets, "d-prompts", "prompts")
    tenant_var.set("t")
    return EvaluationService(
        EvaluationStore(redis_client, keys), datasets, ModelStore(redis_client, keys), asyncio.Event()
    )


def create(request_id: str = "", **fields) -> E.CreateEvaluationRequest:
    ev = E.Evaluation(model="kiln-gpt-tiny", dataset="datasets/d-prompts", metrics=[E.EVALUATION_METRIC_DISTINCT_N])
    for k, v in fields.items():
        setattr(ev, k, v)
    return E.CreateEvaluationRequest(evaluation=ev, request_id=request_id)


async def test_create_once_then_get_list_and_watch(service):
    ev = await service.CreateEvaluation(create("r"), None)
    assert ev.state == E.EVALUATION_STATE_QUEUED and ev.display_name == "distinct_n of kiln-gpt-tiny"
    assert ev.total_records == 1 and ev.name.startswith("evaluations/")
    assert (await service.CreateEvaluation(create("r"), None)).name == ev.name
    with pytest.raises(InvalidArgument):
        await service.CreateEvaluation(create("r", max_records=1), None)
    assert await service.GetEvaluation(E.GetEvaluationRequest(name=ev.name), None) == ev
    listed = await service.ListEvaluations(E.ListEvaluationsRequest(model="kiln-gpt-tiny"), None)
    assert [e.name for e in listed.evaluations] == [ev.name]
    assert not (await service.ListEvaluations(E.ListEvaluationsRequest(model="models/m-1"), None)).evaluations


async def test_known_results_make_a_new_evaluation_born_succeeded(service, keys):
    first = await service.CreateEvaluation(create(), None)
    record = await service.store.get("t", first.name.split("/")[1])
    known = ReusableResults(first.name, {"distinct_1": 0.5}, 1, 1)
    await service.store.redis.set(keys.evaluation_results("t", record.reuse_key), json.dumps(known.to_dict()))
    second = await service.CreateEvaluation(create(display_name="again"), None)
    assert second.name != first.name and second.state == E.EVALUATION_STATE_SUCCEEDED
    assert second.results["distinct_1"] == 0.5 and second.display_name == "again" and second.end_time.seconds
    events = [e async for e in service.WatchEvaluation(E.WatchEvaluationRequest(name=second.name), None)]
    assert [e.WhichOneof("kind") for e in events] == ["progress", "state_change"]
    assert events[-1].state_change.reason == f"results reused from {first.name}"
    assert await service.store.queued() == {f"t/{first.name.split('/')[1]}"}  # the reused one is not queued
