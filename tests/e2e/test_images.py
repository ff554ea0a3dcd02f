"""Image generation over real gRPC: upload PNGs (and a bad one), train a VAE on the built-in
digits on a Ray worker, deploy it on Ray Serve, sample seeded PNGs twice, refuse text params,
take feedback on image samples, evaluate FID / precision / recall / coverage / test ELBO."""

from __future__ import annotations

import asyncio
import io
import json
import math

import grpc
import numpy as np
import pytest
from PIL import Image

from kiln.v1 import (
    common_pb2,
    datasets_pb2,
    evaluation_pb2,
    evaluation_pb2_grpc,
    feedback_pb2,
    feedback_pb2_grpc,
    images_pb2,
    jobs_pb2,
    models_pb2,
    models_pb2_grpc,
    sampling_pb2,
    sampling_pb2_grpc,
)
from kiln_trainer.data import digits
from kiln_trainer.data.images import image_record
from tests.e2e.conftest import field_violations, watch_until_done

pytestmark = pytest.mark.slow
IMAGE = datasets_pb2.DATASET_FORMAT_IMAGE


def rows(n: int, corrupt_at: int | None = None) -> bytes:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        rec = image_record(rng.integers(0, 256, (6 + i % 3, 7), dtype=np.uint8), i % 10)
        if i == corrupt_at:
            rec["png"] = rec["png"][:40]  # a PNG cut short: the header decodes, the pixels do not
        out.append(json.dumps(rec).encode())
    return b"\n".join(out) + b"\n"


async def test_vae_on_digits_end_to_end(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, rows(12), fmt=IMAGE)
    assert ds.format == IMAGE and ds.num_records == 12
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await gateway.upload(t, rows(5, corrupt_at=3), fmt=IMAGE)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value)[0][0] == "chunk.line[4].png"
    listed = await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    assert [d.name for d in listed.datasets] == [ds.name]  # nothing of the failed upload

    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_VAE,
        training_dataset="datasets/digits",
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=20, batch_size=64, learning_rate=3e-3, log_every=5, warmup_steps=2, eval_every=20
        ),
        vae=images_pb2.VaeConfig(latent_dim=8, base_channels=8, kl_warmup_steps=5),
    )
    created = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    events = await watch_until_done(gateway, t, created.name, timeout=120)
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=t.md)
    assert done.state == jobs_pb2.JOB_STATE_SUCCEEDED, [e.log.message for e in events if e.HasField("log")][-3:]
    elbos = [e.metrics.values["elbo"] for e in events if e.HasField("metrics") and "elbo" in e.metrics.values]
    assert len(elbos) == 4 and elbos[-1] > elbos[0]
    assert done.latest_metrics["kl"] >= 0 and "samples.png" in done.artifacts

    models = models_pb2_grpc.ModelServiceStub(gateway.channel)
    model = await models.GetModel(models_pb2.GetModelRequest(name=done.output_model), metadata=t.md)
    assert model.family == common_pb2.MODEL_FAMILY_IMAGE and model.base_model == "scratch"
    assert model.metrics["test_elbo_nats"] < 0 and model.metrics["test_bits_per_dim"] > 0
    await models.DeployModel(
        models_pb2.DeployModelRequest(name=model.name, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=t.md
    )

    sampling = sampling_pb2_grpc.SamplingServiceStub(gateway.channel)
    req = sampling_pb2.GenerateRequest(model=model.name, n=3, params=sampling_pb2.SamplingParams(seed=11))
    first = await sampling.Generate(req, metadata=t.md)
    fresh = await sampling.Generate(
        sampling_pb2.GenerateRequest(
            model=model.name, n=3, params=sampling_pb2.SamplingParams(seed=11), bypass_cache=True
        ),
        metadata=t.md,
    )
    pngs = [c.image.png for c in first.completions]
    assert [c.image.png for c in fresh.completions] == pngs and not fresh.cached  # same seed, same pixels
    assert len(set(pngs)) == 3  # each sample draws its own latent
    img = Image.open(io.BytesIO(pngs[0]))
    assert img.size == (8, 8) and img.mode == "L" and first.completions[0].image.width == 8
    other = await sampling.Generate(
        sampling_pb2.GenerateRequest(model=model.name, n=1, params=sampling_pb2.SamplingParams(seed=12)), metadata=t.md
    )
    assert other.completions[0].image.png != pngs[0]

    stream = [
        m
        async for m in sampling.GenerateStream(
            sampling_pb2.GenerateRequest(model=model.name, n=2, params=sampling_pb2.SamplingParams(seed=11)),
            metadata=t.md,
        )
    ]
    assert [m.image.png for m in stream if m.HasField("image")] == pngs[:2]

    for bad, field in [
        (sampling_pb2.GenerateRequest(model=model.name, prompt="a digit"), "prompt"),
        (
            sampling_pb2.GenerateRequest(model=model.name, params=sampling_pb2.SamplingParams(temperature=0.5)),
            "params.temperature",
        ),
        # Digits have labels, so the VAE is class-conditional: its replica checks the range, and
        # guidance belongs to conditional diffusion models only.
        (
            sampling_pb2.GenerateRequest(model=model.name, params=sampling_pb2.SamplingParams(class_label=10)),
            "params.class_label",
        ),
        (
            sampling_pb2.GenerateRequest(
                model=model.name, params=sampling_pb2.SamplingParams(class_label=1, guidance_scale=2.0)
            ),
            "params.guidance_scale",
        ),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await sampling.Generate(bad, metadata=t.md)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(err.value)[0][0] == field

    # Feedback on image samples: a rating and a comparison are accepted like on text samples.
    fb = feedback_pb2_grpc.FeedbackServiceStub(gateway.channel)
    ids = [c.sample_id for c in first.completions]
    for feedback in (
        feedback_pb2.Feedback(sample_id=ids[0], rating=feedback_pb2.Rating(value=5)),
        feedback_pb2.Feedback(preference=feedback_pb2.Preference(chosen_sample_id=ids[0], rejected_sample_id=ids[1])),
    ):
        stored = await fb.SubmitFeedback(feedback_pb2.SubmitFeedbackRequest(feedback=feedback), metadata=t.md)
        assert stored.name.startswith("feedback/")

    # Image metrics over EvaluationService, against the held-out digits, on a Ray worker.
    evals = evaluation_pb2_grpc.EvaluationServiceStub(gateway.channel)
    metrics = [
        evaluation_pb2.EVALUATION_METRIC_FID,
        evaluation_pb2.EVALUATION_METRIC_PRECISION_RECALL,
        evaluation_pb2.EVALUATION_METRIC_CLASS_COVERAGE,
        evaluation_pb2.EVALUATION_METRIC_TEST_ELBO,
    ]
    ev = await evals.CreateEvaluation(
        evaluation_pb2.CreateEvaluationRequest(
            evaluation=evaluation_pb2.Evaluation(model=model.name, dataset="datasets/digits", metrics=metrics)
        ),
        metadata=t.md,
    )
    watched = [
        e async for e in evals.WatchEvaluation(evaluation_pb2.WatchEvaluationRequest(name=ev.name), metadata=t.md)
    ]
    result = await evals.GetEvaluation(evaluation_pb2.GetEvaluationRequest(name=ev.name), metadata=t.md)
    assert result.state == evaluation_pb2.EVALUATION_STATE_SUCCEEDED, result.error
    assert watched[-1].state_change.state == evaluation_pb2.EVALUATION_STATE_SUCCEEDED
    r = result.results
    print("image evaluation:", dict(r))
    held_out = len(digits.load_split("test")[1])  # 299: as many images as the reference holds
    assert result.total_records == held_out and result.completed_records == held_out, dict(r)
    # 20 steps teach this VAE little (FID in the thousands); the unit tests order the values.
    assert math.isfinite(r["fid"]) and r["fid"] > 0 and 0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1
    assert 1 <= r["class_coverage"] <= 10 and r["class_kl"] >= 0
    # The same bound the job reported on the same held-out images (another posterior draw).
    assert r["test_elbo_nats"] == pytest.approx(model.metrics["test_elbo_nats"], rel=0.05)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await evals.CreateEvaluation(
            evaluation_pb2.CreateEvaluationRequest(
                evaluation=evaluation_pb2.Evaluation(model="kiln-gpt-tiny", dataset="datasets/digits", metrics=metrics)
            ),
            metadata=t.md,
        )
    assert field_violations(err.value)[0][0] == "evaluation.model"

    # Int8 weight-only export: a new image model, about 4x smaller, with the FID change measured.
    exported = await models.ExportModel(
        models_pb2.ExportModelRequest(name=model.name, quantization=models_pb2.QUANTIZATION_INT8), metadata=t.md
    )
    assert exported.family == common_pb2.MODEL_FAMILY_IMAGE and exported.quantization == models_pb2.QUANTIZATION_INT8
    assert exported.metrics["size_ratio"] < 0.4 and exported.metrics["fid_before"] > 0
    assert exported.metrics["fid_after"] == pytest.approx(exported.metrics["fid_before"], rel=0.2)
    print("int8 export:", dict(exported.metrics))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await models.ExportModel(
            models_pb2.ExportModelRequest(name=model.name, quantization=models_pb2.QUANTIZATION_INT4), metadata=t.md
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    # The CLI writes a grid of n seeded images (the same pixels as Generate's).
    from typer.testing import CliRunner

    from kiln_server.cli import app

    out = gateway.config.data_dir / "grid.png"
    args = ["--target", f"127.0.0.1:{gateway.port}", "--api-key", t.key, "sample-images", model.name]
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [*args, "--n", "3", "--seed", "11", "--columns", "3", "--scale", "1", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    grid = np.asarray(Image.open(out))
    assert grid.shape == (10, 28, 3)  # 1 row, 3 columns of 8x8 with 1-pixel borders
    assert (grid[1:9, 1:9, 0] == np.asarray(Image.open(io.BytesIO(pngs[0])))).all()

    # Serve deployments outlive the gateway and hold the session Ray's CPUs.
    await models.UndeployModel(models_pb2.UndeployModelRequest(name=model.name), metadata=t.md)
