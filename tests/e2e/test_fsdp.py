"""FSDP sharding over gRPC: a two-worker SFT job on Ray Train (gloo on the CPU) whose registered
model loads and samples, and the combinations FSDP refuses, named at their fields."""

from __future__ import annotations

import grpc
import pytest
import torch

from kiln.v1 import common_pb2, jobs_pb2, models_pb2
from tests.e2e.conftest import demo_records, field_violations, sft_job, watch_until_done


@pytest.mark.slow
async def test_fsdp_job_runs_on_ray_train_and_registers_a_full_model(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(300))
    spec = sft_job(ds.name, max_steps=8, log_every=1, eval_every=4, checkpoint_every=4, learning_rate=3e-3)
    spec.resources.workers = 2
    spec.resources.sharding = common_pb2.SHARDING_STRATEGY_FSDP
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=spec), metadata=t.md)
    events = await watch_until_done(gateway, t, job.name, timeout=300)
    logs = [e.log.message for e in events if e.HasField("log")]
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED, logs[-5:]
    text = " ".join(logs)
    assert "2 rank(s)" in text and "sharded over 2 ranks; rank 0 holds" in text
    losses = [e.metrics.values["loss"] for e in events if e.HasField("metrics") and "loss" in e.metrics.values]
    assert len(losses) == 8 and losses[-1] < losses[0], losses  # one report per step (rank 0), learning
    assert [e.checkpoint.step for e in events if e.HasField("checkpoint")] == [4]

    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.latest_metrics["val_loss"] > 0
    model = await gateway.models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert model.parameter_count > 100_000  # the whole model, not one rank's shard
    from kiln_trainer.models.loader import load_causal_lm

    loaded = load_causal_lm(str(gateway.artifact_path(model.artifact_uri)))
    ids = torch.tensor([loaded.tokenizer.encode("Reverse: abc")])
    out = loaded.model.generate(ids, max_new_tokens=8)
    assert out.shape == (1, ids.shape[1] + 8) and out[0, : ids.shape[1]].equal(ids[0])


def _fsdp(job: jobs_pb2.Job, workers: int = 2) -> jobs_pb2.Job:
    job.resources.workers = workers
    job.resources.sharding = common_pb2.SHARDING_STRATEGY_FSDP
    return job


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda j: _fsdp(j, workers=1), "job.resources.sharding"),
        (lambda j: _fsdp(j, workers=0), "job.resources.sharding"),
        (lambda j: j.resources.__setattr__("sharding", 9), "job.resources.sharding"),
        (lambda j: (_fsdp(j), j.sft.__setattr__("tuning", jobs_pb2.TUNING_LORA)), "job.sft.tuning"),
        (
            lambda j: (_fsdp(j), j.hyperparameters.optimizer.__setattr__("kind", jobs_pb2.OPTIMIZER_KIND_ADAFACTOR)),
            "job.hyperparameters.optimizer.kind",
        ),
        (
            lambda j: (_fsdp(j), j.hyperparameters.__setattr__("precision", jobs_pb2.PRECISION_FP16)),
            "job.hyperparameters.precision",
        ),
        (
            lambda j: (_fsdp(j), j.hyperparameters.regularization.__setattr__("spectral_norm", True)),
            "job.hyperparameters.regularization.spectral_norm",
        ),
        # DPO runs in one process: two workers are refused whatever the sharding.
        (lambda j: (_fsdp(j), j.__setattr__("method", jobs_pb2.JOB_METHOD_DPO)), "job.resources.workers"),
    ],
)
async def test_fsdp_refusals_name_the_field(gateway, mutate, field):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(30))
    job = sft_job(ds.name)
    mutate(job)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert field in [f for f, _ in field_violations(err.value)], field_violations(err.value)
    assert not (await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)).jobs
