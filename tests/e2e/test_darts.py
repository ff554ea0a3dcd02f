"""DARTS over real gRPC: a tiny search on the built-in digits runs as a job (search and
retraining metrics streamed by WatchJob, the genotype as an artifact and in the metrics, held-out
test accuracy, the classifier registered as the job's model); RANDOM cells depend on the job's
seed; bad DARTS settings are INVALID_ARGUMENT naming the field, with nothing created; a sweep can
target darts.* fields."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest

from kiln.v1 import common_pb2, darts_pb2, jobs_pb2, models_pb2, models_pb2_grpc, sweeps_pb2, sweeps_pb2_grpc
from tests.e2e.conftest import field_violations, watch_until_done

pytestmark = pytest.mark.slow
D = darts_pb2


def darts_job(seed: int = 0, **darts) -> jobs_pb2.Job:
    settings = dict(retrain_steps=6, channels=4, layers=1)
    if darts.get("genotype_source") != D.GENOTYPE_SOURCE_RANDOM:
        settings["search_steps"] = 6
    return jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_DARTS,
        training_dataset="datasets/digits",
        hyperparameters=jobs_pb2.Hyperparameters(batch_size=32, log_every=3, eval_every=3, warmup_steps=0, seed=seed),
        darts=D.DartsConfig(**(settings | darts)),
    )


async def test_darts_search_and_random_cells_over_grpc(gateway):
    t = await gateway.tenant()
    jobs = [
        darts_job(operations=[D.DARTS_OPERATION_ZERO, D.DARTS_OPERATION_SKIP, D.DARTS_OPERATION_CONV_3X3]),
        darts_job(seed=1, genotype_source=D.GENOTYPE_SOURCE_RANDOM),
        darts_job(seed=2, genotype_source=D.GENOTYPE_SOURCE_RANDOM),
    ]
    created = [await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=j), metadata=t.md) for j in jobs]
    events = await asyncio.gather(*(watch_until_done(gateway, t, c.name, timeout=180) for c in created))
    done = [await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=c.name), metadata=t.md) for c in created]
    for d, ev in zip(done, events, strict=True):
        assert d.state == jobs_pb2.JOB_STATE_SUCCEEDED, [e.log.message for e in ev if e.HasField("log")][-3:]

    searched, ev = done[0], events[0]
    assert searched.step == searched.total_steps == 12
    metrics = [e.metrics for e in ev if e.HasField("metrics")]
    search = [m for m in metrics if "search_val_loss" in m.values]
    assert [m.step for m in search] == [3, 6] and all("arch_entropy" in m.values for m in search)
    assert [m.step for m in metrics if "loss" in m.values] == [9, 12]
    assert any("val_accuracy" in m.values for m in metrics)
    m = searched.latest_metrics
    assert 0.0 <= m["test_accuracy"] <= 1.0 and m["test_loss"] > 0 and m["parameter_count"] > 0
    assert m["cell_edges"] == 5 and m["searched"] == 1.0
    cell = json.loads(gateway.artifact_path(searched.artifacts["genotype.json"]).read_text())
    assert cell["source"] == "searched" and cell["operations"] == ["zero", "skip", "conv_3x3"]
    # The genotype in the metrics: each kept edge's DartsOperation value, as the artifact says.
    for e in cell["edges"]:
        op = D.DartsOperation.Value(f"DARTS_OPERATION_{e['operation'].upper()}")
        assert m[f"cell.n{e['node']}.from{e['input']}"] == op
    model = await models_pb2_grpc.ModelServiceStub(gateway.channel).GetModel(
        models_pb2.GetModelRequest(name=searched.output_model), metadata=t.md
    )
    assert model.family == common_pb2.MODEL_FAMILY_IMAGE and model.metrics["test_accuracy"] == m["test_accuracy"]

    cells = []
    for d in done[1:]:
        assert d.step == 6 and d.latest_metrics["searched"] == 0.0 and "test_accuracy" in d.latest_metrics
        cell = json.loads(gateway.artifact_path(d.artifacts["genotype.json"]).read_text())
        assert cell["source"] == "random" and len(cell["edges"]) == 5
        cells.append(cell["edges"])
    assert cells[0] != cells[1]  # seeds 1 and 2 sample different cells (fixed seeds: not flaky)


@pytest.mark.parametrize(
    ("darts", "hp", "path"),
    [
        (dict(cell_nodes=9), {}, "job.darts.cell_nodes"),
        (dict(channels=1), {}, "job.darts.channels"),
        (dict(operations=[D.DARTS_OPERATION_ZERO]), {}, "job.darts.operations"),
        (dict(operations=[D.DARTS_OPERATION_SKIP, D.DARTS_OPERATION_SKIP]), {}, "job.darts.operations"),
        (dict(arch_learning_rate=-1.0), {}, "job.darts.arch_learning_rate"),
        (dict(genotype_source=D.GENOTYPE_SOURCE_RANDOM, search_steps=5), {}, "job.darts.search_steps"),
        ({}, dict(max_steps=10), "job.hyperparameters.max_steps"),
        ({}, dict(max_seq_len=64), "job.hyperparameters.max_seq_len"),
    ],
)
async def test_bad_darts_settings_name_the_field(gateway, darts, hp, path):
    t = await gateway.tenant()
    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_DARTS,
        training_dataset="datasets/digits",
        hyperparameters=jobs_pb2.Hyperparameters(**hp),
        darts=D.DartsConfig(**darts),
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [path]
    listed = await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)
    assert not listed.jobs  # nothing created


async def test_base_model_and_dataset_format_are_checked(gateway):
    t = await gateway.tenant()
    job = darts_job()
    job.base_model = "kiln-gpt-tiny"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == ["job.base_model"]
    ds = await gateway.upload(t, b'{"prompt": "a", "completion": "b"}\n')
    job = darts_job()
    job.training_dataset = ds.name
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert [f for f, _ in field_violations(err.value)] == ["job.training_dataset"]


async def test_a_sweep_targets_darts_fields(gateway):
    t = await gateway.tenant()
    stub = sweeps_pb2_grpc.SweepServiceStub(gateway.channel)

    def sweep(target: str, metric: str = "test_accuracy") -> sweeps_pb2.Sweep:
        return sweeps_pb2.Sweep(
            template=darts_job(),
            parameters=[
                sweeps_pb2.SearchParameter(target=target, int_range=sweeps_pb2.IntRange(low=4, high=8)),
            ],
            objectives=[sweeps_pb2.Objective(metric=metric, direction=sweeps_pb2.OBJECTIVE_DIRECTION_MAXIMIZE)],
            budget=sweeps_pb2.SweepBudget(max_trials=1, max_concurrent_trials=1),
        )

    for bad, path in (
        (sweep("darts.width"), "sweep.parameters[0].target"),
        (sweep("darts.channels", metric="elbo"), "sweep.objectives[0].metric"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=bad), metadata=t.md)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in field_violations(err.value)][0] == path
    created = await stub.CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=sweep("darts.channels")), metadata=t.md)
    await stub.CancelSweep(sweeps_pb2.CancelSweepRequest(name=created.name), metadata=t.md)
