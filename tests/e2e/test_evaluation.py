"""EvaluationService over real gRPC, Redis and Ray: metrics computed on Ray workers, validation,
watch, reuse of results, pickup after a gateway restart, tenant isolation."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import grpc
import pytest

from kiln.v1 import datasets_pb2, evaluation_pb2, evaluation_pb2_grpc, sampling_pb2
from tests.e2e.conftest import demo_records, field_violations

pytestmark = pytest.mark.slow

E = evaluation_pb2
SFT_METRICS = [E.EVALUATION_METRIC_PERPLEXITY, E.EVALUATION_METRIC_DISTINCT_N, E.EVALUATION_METRIC_EXACT_MATCH]


def stub(gw) -> evaluation_pb2_grpc.EvaluationServiceStub:
    return evaluation_pb2_grpc.EvaluationServiceStub(gw.channel)


def evaluation(
    dataset: str, metrics=SFT_METRICS, model: str = "kiln-gpt-tiny", max_tokens: int = 8, **fields
) -> E.Evaluation:
    return E.Evaluation(
        model=model,
        dataset=dataset,
        metrics=metrics,
        sampling_params=sampling_pb2.SamplingParams(max_tokens=max_tokens),
        **fields,
    )


async def create(gw, tenant, ev: E.Evaluation, request_id: str = "") -> E.Evaluation:
    return await stub(gw).CreateEvaluation(
        E.CreateEvaluationRequest(evaluation=ev, request_id=request_id), metadata=tenant.md
    )


async def watch(gw, tenant, name: str, after: str = "", timeout: float = 180) -> list[E.EvaluationEvent]:
    async def run():
        req = E.WatchEvaluationRequest(name=name, after_event_id=after)
        return [ev async for ev in stub(gw).WatchEvaluation(req, metadata=tenant.md)]

    return await asyncio.wait_for(run(), timeout)


def states(events) -> list[int]:
    return [e.state_change.state for e in events if e.HasField("state_change")]


async def expect_error(call, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    return err.value


def prompts_records(n: int) -> bytes:
    lines = [json.loads(line) for line in demo_records(n).splitlines() if line.strip()]
    return b"".join(json.dumps({"prompt": r["prompt"]}).encode() + b"\n" for r in lines)


async def test_sft_metrics_watch_and_reuse(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(20))
    ev = await create(gateway, t, evaluation(ds.name, max_records=12, display_name="first"))
    assert ev.name.startswith("evaluations/") and ev.total_records == 12
    assert ev.state in (E.EVALUATION_STATE_QUEUED, E.EVALUATION_STATE_RUNNING)

    events = await watch(gateway, t, ev.name)
    assert states(events) == [E.EVALUATION_STATE_QUEUED, E.EVALUATION_STATE_RUNNING, E.EVALUATION_STATE_SUCCEEDED]
    progress = [e.progress for e in events if e.HasField("progress")]
    assert progress and all(p.total_records == 12 for p in progress)
    done = [p.completed_records for p in progress]
    assert done == sorted(done) and done[-1] == 12
    assert "perplexity" in progress[-1].results  # metrics arrive with the progress that finishes them

    got = await stub(gateway).GetEvaluation(E.GetEvaluationRequest(name=ev.name), metadata=t.md)
    assert got.state == E.EVALUATION_STATE_SUCCEEDED and got.completed_records == 12 and got.display_name == "first"
    assert set(got.results) == {"perplexity", "distinct_1", "distinct_2", "exact_match"}
    assert got.results["perplexity"] > 1
    assert 0 <= got.results["distinct_1"] <= 1 and 0 <= got.results["exact_match"] <= 1
    assert got.end_time.seconds > 0

    # The numbers are the ones the evaluation loop computes on the same records, here.
    from kiln_trainer.eval.run import evaluate
    from kiln_trainer.eval.spec import EvalSpec

    local = Path(gateway.config.data_dir) / "local.jsonl"
    local.write_bytes(demo_records(20))
    expected = evaluate(
        EvalSpec(
            metrics=("distinct_n", "exact_match", "perplexity"),
            model="kiln-gpt-tiny",
            dataset_path=str(local),
            dataset_format="sft",
            sampling={"max_tokens": 8},
            max_records=12,
        )
    )
    for key, value in expected.items():
        assert math.isclose(got.results[key], value, rel_tol=1e-4), key

    # Resuming after an event replays exactly the rest.
    rest = await watch(gateway, t, ev.name, after=events[1].id)
    assert [e.id for e in rest] == [e.id for e in events[2:]]

    # The same evaluation again: a new resource, SUCCEEDED at once with the stored results.
    again = await create(gateway, t, evaluation(ds.name, max_records=12, display_name="second"))
    assert again.name != ev.name and again.display_name == "second"
    assert again.state == E.EVALUATION_STATE_SUCCEEDED and dict(again.results) == dict(got.results)
    replay = await watch(gateway, t, again.name)
    assert states(replay) == [E.EVALUATION_STATE_SUCCEEDED] and ev.name in replay[-1].state_change.reason
    assert dict(replay[0].progress.results) == dict(got.results)

    # Anything the results depend on (here the record count) makes it a new computation.
    other = await create(gateway, t, evaluation(ds.name, metrics=[E.EVALUATION_METRIC_PERPLEXITY], max_records=4))
    assert other.state != E.EVALUATION_STATE_SUCCEEDED
    assert states(await watch(gateway, t, other.name))[-1] == E.EVALUATION_STATE_SUCCEEDED

    # Listing: newest first, filtered by model and state, paged.
    listed = await stub(gateway).ListEvaluations(E.ListEvaluationsRequest(), metadata=t.md)
    assert [e.name for e in listed.evaluations] == [other.name, again.name, ev.name]
    page = await stub(gateway).ListEvaluations(E.ListEvaluationsRequest(page_size=2), metadata=t.md)
    assert len(page.evaluations) == 2 and page.next_page_token
    tail = await stub(gateway).ListEvaluations(
        E.ListEvaluationsRequest(page_size=2, page_token=page.next_page_token), metadata=t.md
    )
    assert [e.name for e in tail.evaluations] == [ev.name] and not tail.next_page_token
    none = await stub(gateway).ListEvaluations(E.ListEvaluationsRequest(model="kiln-gpt-small"), metadata=t.md)
    assert not none.evaluations
    failed = await stub(gateway).ListEvaluations(
        E.ListEvaluationsRequest(state=E.EVALUATION_STATE_FAILED), metadata=t.md
    )
    assert not failed.evaluations
    ok = await stub(gateway).ListEvaluations(
        E.ListEvaluationsRequest(model="kiln-gpt-tiny", state=E.EVALUATION_STATE_SUCCEEDED), metadata=t.md
    )
    assert len(ok.evaluations) == 3


async def test_validation_errors_name_the_field(gateway):
    t = await gateway.tenant()
    sft = (await gateway.upload(t, demo_records(5))).name
    prompts = (await gateway.upload(t, prompts_records(5), fmt=datasets_pb2.DATASET_FORMAT_PROMPTS)).name
    pref = (
        await gateway.upload(
            t, b'{"prompt": "p", "chosen": "a", "rejected": "b"}\n', fmt=datasets_pb2.DATASET_FORMAT_PREFERENCE
        )
    ).name
    cases = [
        (evaluation(sft, model=""), "evaluation.model"),
        (evaluation(""), "evaluation.dataset"),
        (evaluation(sft, metrics=[]), "evaluation.metrics"),
        (evaluation(sft, metrics=[E.EVALUATION_METRIC_UNSPECIFIED]), "evaluation.metrics[0]"),
        (evaluation(sft, metrics=[E.EVALUATION_METRIC_MEAN_REWARD]), "evaluation.reward_model"),
        (
            evaluation(sft, metrics=[E.EVALUATION_METRIC_WIN_RATE], reward_model="kiln-gpt-tiny"),
            "evaluation.baseline_model",
        ),
        (evaluation(sft, metrics=[E.EVALUATION_METRIC_KL_TO_REFERENCE]), "evaluation.reference_model"),
        (evaluation(sft, max_records=-1), "evaluation.max_records"),
        (
            E.Evaluation(
                model="kiln-gpt-tiny",
                dataset=sft,
                metrics=SFT_METRICS,
                sampling_params=sampling_pb2.SamplingParams(temperature=5),
            ),
            "evaluation.sampling_params.temperature",
        ),
        (evaluation(prompts, metrics=[E.EVALUATION_METRIC_PERPLEXITY]), "evaluation.dataset"),
        (evaluation(prompts, metrics=[E.EVALUATION_METRIC_EXACT_MATCH]), "evaluation.dataset"),
        (evaluation(pref, metrics=[E.EVALUATION_METRIC_DISTINCT_N]), "evaluation.dataset"),
        (
            evaluation(sft, metrics=[E.EVALUATION_METRIC_MEAN_REWARD], reward_model="kiln-gpt-tiny"),
            "evaluation.reward_model",
        ),
        (evaluation("sets/x"), "evaluation.dataset"),
    ]
    for ev, field in cases:
        err = await expect_error(create(gateway, t, ev), grpc.StatusCode.INVALID_ARGUMENT)
        assert field in [f for f, _ in field_violations(err)], (field, field_violations(err))

    # WIN_RATE with nothing but the metric names both missing models.
    err = await expect_error(
        create(gateway, t, evaluation(sft, metrics=[E.EVALUATION_METRIC_WIN_RATE])), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert {f for f, _ in field_violations(err)} == {"evaluation.baseline_model", "evaluation.reward_model"}

    # A request_id reused for a different evaluation.
    first = await create(gateway, t, evaluation(prompts, metrics=[E.EVALUATION_METRIC_DISTINCT_N]), "rid-1")
    same = await create(gateway, t, evaluation(prompts, metrics=[E.EVALUATION_METRIC_DISTINCT_N]), "rid-1")
    assert same.name == first.name
    err = await expect_error(create(gateway, t, evaluation(sft), "rid-1"), grpc.StatusCode.INVALID_ARGUMENT)
    assert [f for f, _ in field_violations(err)] == ["request_id"]
    await watch(gateway, t, first.name)  # let it finish before the gateway stops


async def test_not_found_and_tenant_isolation(gateway):
    a, b = await gateway.tenant(), await gateway.tenant()
    ds = (await gateway.upload(a, prompts_records(4), fmt=datasets_pb2.DATASET_FORMAT_PROMPTS)).name
    for ev in (
        evaluation(ds, model="models/m-000000000000", metrics=[E.EVALUATION_METRIC_DISTINCT_N]),
        evaluation(ds, model="gpt-9", metrics=[E.EVALUATION_METRIC_DISTINCT_N]),
        evaluation("datasets/d-000000000000", metrics=[E.EVALUATION_METRIC_DISTINCT_N]),
        evaluation(ds, metrics=[E.EVALUATION_METRIC_KL_TO_REFERENCE], reference_model="models/m-0000000000aa"),
    ):
        await expect_error(create(gateway, a, ev), grpc.StatusCode.NOT_FOUND)
    await expect_error(
        stub(gateway).GetEvaluation(E.GetEvaluationRequest(name="evaluations/e-000000000000"), metadata=a.md),
        grpc.StatusCode.NOT_FOUND,
    )

    ev = await create(gateway, a, evaluation(ds, metrics=[E.EVALUATION_METRIC_DISTINCT_N]))
    # B sees none of A's evaluation, and cannot evaluate on A's dataset.
    await expect_error(
        stub(gateway).GetEvaluation(E.GetEvaluationRequest(name=ev.name), metadata=b.md), grpc.StatusCode.NOT_FOUND
    )
    await expect_error(watch(gateway, b, ev.name), grpc.StatusCode.NOT_FOUND)
    await expect_error(
        create(gateway, b, evaluation(ds, metrics=[E.EVALUATION_METRIC_DISTINCT_N])), grpc.StatusCode.NOT_FOUND
    )
    listed = await stub(gateway).ListEvaluations(E.ListEvaluationsRequest(), metadata=b.md)
    assert not listed.evaluations
    assert states(await watch(gateway, a, ev.name))[-1] == E.EVALUATION_STATE_SUCCEEDED
    # A's finished results are not reused for B either (keys are per tenant): B has no dataset.


async def test_restart_picks_up_queued_and_orphaned(gateway_factory, tmp_path):
    prefix = "evalrestart"
    first = await gateway_factory(prefix=prefix, data_dir=tmp_path / "shared")
    await first.server.eval_scheduler.stop()  # nothing runs on this gateway
    t = await first.tenant()
    ds = (await first.upload(t, prompts_records(6), fmt=datasets_pb2.DATASET_FORMAT_PROMPTS)).name
    queued = await create(first, t, evaluation(ds, metrics=[E.EVALUATION_METRIC_DISTINCT_N], max_records=3))
    orphan = await create(first, t, evaluation(ds, metrics=[E.EVALUATION_METRIC_DISTINCT_N], max_records=5))
    store = first.server.eval_scheduler.store
    # The queue entry of one was lost; the other was running on a gateway that died with its worker.
    await store.redis.delete(store.keys.evaluation_queue())
    ok, _, _ = await store.transition(
        t.name, orphan.name.split("/")[1], ("QUEUED",), "RUNNING", bump_attempt=True, fields={"owner": "gone-gateway"}
    )
    assert ok
    await first.close()

    second = await gateway_factory(prefix=prefix, data_dir=tmp_path / "shared")
    for ev in (queued, orphan):
        assert states(await watch(second, t, ev.name))[-1] == E.EVALUATION_STATE_SUCCEEDED
    got = await stub(second).GetEvaluation(E.GetEvaluationRequest(name=orphan.name), metadata=t.md)
    assert got.completed_records == 5 and "distinct_1" in got.results


def _register_reward_model(gw, tenant: str) -> str:
    """A reward model written where a REWARD_MODEL job would put it, with its registry record."""
    import redis

    from kiln_server.jobs.context import _weights_summary
    from kiln_server.models.record import ModelRecord
    from kiln_server.models.store import ModelStore
    from kiln_server.operations.store import now_ms
    from kiln_server.platform.artifacts import ArtifactStore
    from kiln_trainer.models.reward_model import reward_model_from_causal_lm

    model_id = "m-rewardtest01"
    rel = f"models/{tenant}/{model_id}"
    store = ArtifactStore(gw.config.artifact_root)
    out = store.local_path(rel)
    reward_model_from_causal_lm("kiln-gpt-tiny", seed=3).save(out)
    params, size, version = _weights_summary(out / "backbone")
    client = redis.Redis.from_url(gw.server.scheduler.redis_url)
    keys = gw.server.eval_scheduler.store.keys
    model = ModelRecord(
        id=model_id,
        display_name="test reward model",
        family="reward_model",
        base_model="kiln-gpt-tiny",
        artifact_uri=store.uri(rel),
        artifact_rel=rel,
        version=f"{model_id}@{version}",
        parameter_count=params,
        size_bytes=size,
        create_time=now_ms(),
    )
    with client.pipeline(transaction=True) as pipe:
        ModelStore.stage_register(pipe, keys, tenant, model)
        pipe.execute()
    client.close()
    return f"models/{model_id}"


async def test_reward_metrics_and_kl(gateway):
    t = await gateway.tenant()
    reward_model = await asyncio.to_thread(_register_reward_model, gateway, t.name)
    ds = (await gateway.upload(t, prompts_records(6), fmt=datasets_pb2.DATASET_FORMAT_PROMPTS)).name
    metrics = [E.EVALUATION_METRIC_MEAN_REWARD, E.EVALUATION_METRIC_WIN_RATE, E.EVALUATION_METRIC_KL_TO_REFERENCE]
    # Greedy, and the baseline and reference are the model itself: every comparison is a tie and
    # the divergence is nothing, which pins the values exactly.
    ev = E.Evaluation(
        model="kiln-gpt-tiny",
        baseline_model="kiln-gpt-tiny",
        reference_model="kiln-gpt-tiny",
        reward_model=reward_model,
        dataset=ds,
        metrics=metrics,
        sampling_params=sampling_pb2.SamplingParams(temperature=0, max_tokens=6),
    )
    created = await create(gateway, t, ev)
    assert states(await watch(gateway, t, created.name))[-1] == E.EVALUATION_STATE_SUCCEEDED
    got = await stub(gateway).GetEvaluation(E.GetEvaluationRequest(name=created.name), metadata=t.md)
    assert got.results["win_rate"] == 0.5
    assert abs(got.results["kl_to_reference"]) < 1e-5
    assert math.isfinite(got.results["mean_reward"]) and got.results["reward_std"] >= 0

    # A causal LM registered as the reward model is refused, naming the field.
    err = await expect_error(
        create(gateway, t, E.Evaluation(model=reward_model, dataset=ds, metrics=[E.EVALUATION_METRIC_DISTINCT_N])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [f for f, _ in field_violations(err)] == ["evaluation.model"]


async def test_cli_runs_watches_gets_and_lists(gateway):
    from typer.testing import CliRunner

    from kiln_server.cli import app

    t = await gateway.tenant()
    ds = (await gateway.upload(t, prompts_records(4), fmt=datasets_pb2.DATASET_FORMAT_PROMPTS)).name
    base = ["--target", f"127.0.0.1:{gateway.port}", "--api-key", t.key, "eval"]

    def invoke(*args: str):
        return CliRunner().invoke(app, [*base, *args])

    run = await asyncio.to_thread(
        invoke,
        "run",
        "--model",
        "kiln-gpt-tiny",
        "--dataset",
        ds,
        "--metric",
        "distinct_n",
        "--max-tokens",
        "4",
        "--max-records",
        "3",
        "--watch",
    )
    assert run.exit_code == 0, run.output
    assert "distinct_1" in run.output and "SUCCEEDED" in run.output
    name = next(w for w in run.output.split() if w.startswith("evaluations/"))
    got = await asyncio.to_thread(invoke, "get", name)
    assert got.exit_code == 0 and "result distinct_2" in got.output, got.output
    listed = await asyncio.to_thread(invoke, "list", "--state", "succeeded")
    assert listed.exit_code == 0 and name in listed.output, listed.output
    bad = await asyncio.to_thread(invoke, "run", "--model", "kiln-gpt-tiny", "--dataset", ds, "--metric", "perplexity")
    assert bad.exit_code == 1 and "evaluation.dataset" in bad.output, bad.output
