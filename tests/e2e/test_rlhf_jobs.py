"""Reward-model and DPO jobs over gRPC: real Redis, real Ray workers, registered results."""

from __future__ import annotations

import json

import grpc
import pytest

from kiln.v1 import common_pb2, datasets_pb2, jobs_pb2, models_pb2
from kiln_trainer.data.synthetic import sentiment_preferences
from tests.e2e.conftest import field_violations, watch_until_done


def jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


async def _prefs(gateway, t, n=300, seed=0):
    return await gateway.upload(
        t, jsonl(sentiment_preferences(n, seed=seed)), fmt=datasets_pb2.DATASET_FORMAT_PREFERENCE
    )


async def _run(gateway, t, job: jobs_pb2.Job) -> jobs_pb2.Job:
    created = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    events = await watch_until_done(gateway, t, created.name)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED, [
        e.log.message for e in events if e.HasField("log")
    ]
    return await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=t.md)


async def test_reward_model_job_learns_the_rule_and_registers_a_reward_model(gateway):
    t = await gateway.tenant()
    train = await _prefs(gateway, t, 300, seed=0)
    val = await _prefs(gateway, t, 100, seed=1)
    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_REWARD_MODEL,
        base_model="kiln-gpt-tiny",
        training_dataset=train.name,
        validation_dataset=val.name,
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=60, batch_size=8, max_seq_len=48, learning_rate=1e-3, warmup_steps=5, eval_every=30, log_every=10
        ),
    )
    done = await _run(gateway, t, job)
    model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert model.family == common_pb2.MODEL_FAMILY_REWARD_MODEL
    assert done.latest_metrics["val_accuracy"] >= 0.9, dict(done.latest_metrics)


async def test_dpo_job_trains_against_a_reference_and_keeps_its_log_probs(gateway):
    t = await gateway.tenant()
    prefs = await _prefs(gateway, t, 120)
    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_DPO,
        base_model="kiln-gpt-tiny",
        training_dataset=prefs.name,
        dpo=jobs_pb2.DpoConfig(beta=0.1),
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=12, batch_size=8, max_seq_len=48, learning_rate=1e-4, warmup_steps=2, log_every=4, eval_every=6
        ),
    )
    done = await _run(gateway, t, job)
    assert "reference_logps.safetensors" in done.artifacts
    model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert model.family == common_pb2.MODEL_FAMILY_CAUSAL_LM and model.base_model == "kiln-gpt-tiny"


async def test_distill_job_trains_a_student_on_its_teachers_logits(gateway):
    from tests.e2e.conftest import demo_records

    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(200))
    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_DISTILL,
        base_model="kiln-gpt-tiny",
        training_dataset=ds.name,
        distill=jobs_pb2.DistillConfig(teacher_model="kiln-gpt-small", temperature=2.0, alpha=0.7),
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=8, batch_size=8, max_seq_len=64, learning_rate=1e-3, warmup_steps=2, log_every=4, eval_every=8
        ),
    )
    done = await _run(gateway, t, job)
    model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert model.family == common_pb2.MODEL_FAMILY_CAUSAL_LM and model.parameter_count < 2_000_000


async def test_online_dpo_job_scores_its_own_samples_and_reports_each_round(gateway):
    t = await gateway.tenant()
    prompts = await gateway.upload(
        t,
        jsonl([{"prompt": p} for p in ("Tell me", "Say", "Write", "Name")]),
        fmt=datasets_pb2.DATASET_FORMAT_PROMPTS,
    )
    bad = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_ONLINE_DPO,
        base_model="kiln-gpt-tiny",
        training_dataset=prompts.name,
        online_dpo=jobs_pb2.OnlineDpoConfig(reward=jobs_pb2.RewardSource(scoring_function="length"), beta=-1),
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=bad), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == ["job.online_dpo.beta"]
    assert not (await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)).jobs

    rounds = 3
    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_ONLINE_DPO,
        base_model="kiln-gpt-tiny",
        training_dataset=prompts.name,
        max_retries=0,
        hyperparameters=jobs_pb2.Hyperparameters(max_steps=rounds, learning_rate=1e-3, max_seq_len=32),
        online_dpo=jobs_pb2.OnlineDpoConfig(
            # A weighted composition: dense (every character counts), so groups rarely tie.
            reward=jobs_pb2.RewardSource(scoring_function="0.8*charset:etaoinsh + 0.2*length:8"),
            beta=0.1,
            samples_per_prompt=4,
            rollout_batch_size=8,
            minibatch_size=2,
            max_new_tokens=8,
        ),
    )
    done = await _run(gateway, t, job)
    assert done.output_model and done.step == rounds
    events = await watch_until_done(gateway, t, done.name)
    per_round = [e.metrics for e in events if e.HasField("metrics") and "pairs" in e.metrics.values]
    assert [m.step for m in per_round] == list(range(1, rounds + 1))
    for m in per_round:
        v = m.values
        assert 0.0 <= v["mean_reward"] <= 1.0 and 0 <= v["pairs"] <= 2
        if v["pairs"]:
            assert v["dpo_loss"] > 0 and "implicit_kl" in v and "kl" in v
    assert sum(m.values["pairs"] for m in per_round) > 0
