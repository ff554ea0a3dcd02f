"""A class-conditional GAN over real gRPC: train on the labelled built-in digits, deploy, sample a
requested class, refuse bad class labels at params.class_label, and turn a comparison of two
image samples into a preference pair whose chosen/rejected resolve to the served PNG bytes."""

from __future__ import annotations

import json

import grpc
import pytest

from kiln.v1 import (
    feedback_pb2,
    feedback_pb2_grpc,
    images_pb2,
    jobs_pb2,
    models_pb2,
    models_pb2_grpc,
    sampling_pb2,
    sampling_pb2_grpc,
)
from kiln_server.sampling.record import png_of
from tests.e2e.conftest import field_violations, watch_until_done

pytestmark = pytest.mark.slow


def _dataset_lines(gw, tenant, dataset_name: str) -> list[dict]:
    ds_id = dataset_name.split("/")[1]
    path = gw.config.data_dir / "artifacts" / "datasets" / tenant.name / ds_id / "data.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def _invalid_field(call) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return field_violations(err.value)[0][0]


async def test_conditional_gan_samples_and_image_preference_export(gateway):
    t = await gateway.tenant()
    job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_GAN,
        training_dataset="datasets/digits",
        hyperparameters=jobs_pb2.Hyperparameters(max_steps=6, batch_size=32, log_every=3, eval_every=6),
        gan=images_pb2.GanConfig(latent_dim=8, base_channels=8),
    )
    created = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    events = await watch_until_done(gateway, t, created.name, timeout=120)
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=t.md)
    assert done.state == jobs_pb2.JOB_STATE_SUCCEEDED, [e.log.message for e in events if e.HasField("log")][-3:]
    assert any("conditional on 10 classes" in e.log.message for e in events if e.HasField("log"))

    models = models_pb2_grpc.ModelServiceStub(gateway.channel)
    await models.DeployModel(
        models_pb2.DeployModelRequest(name=done.output_model, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE),
        metadata=t.md,
    )
    sampling = sampling_pb2_grpc.SamplingServiceStub(gateway.channel)

    def request(label: int | None, seed: int = 5, n: int = 2) -> sampling_pb2.GenerateRequest:
        params = sampling_pb2.SamplingParams(seed=seed)
        if label is not None:
            params.class_label = label
        return sampling_pb2.GenerateRequest(model=done.output_model, n=n, params=params)

    threes = await sampling.Generate(request(3), metadata=t.md)
    again = await sampling.Generate(request(3), metadata=t.md)
    sevens = await sampling.Generate(request(7), metadata=t.md)
    pngs = [c.image.png for c in threes.completions]
    assert [c.image.png for c in again.completions] == pngs and again.cached  # same label and seed: cached
    assert [c.image.png for c in sevens.completions] != pngs and not sevens.cached  # the label is in the key

    # Bad labels name params.class_label: out of the model's range, or on a text model.
    assert await _invalid_field(sampling.Generate(request(10), metadata=t.md)) == "params.class_label"
    text = sampling_pb2.GenerateRequest(model="kiln-gpt-tiny", prompt="hi", params=sampling_pb2.SamplingParams())
    text.params.class_label = 1
    assert await _invalid_field(sampling.Generate(text, metadata=t.md)) == "params.class_label"
    # Guidance is for class-conditional diffusion models only: a conditional GAN refuses it.
    guided = request(3)
    guided.params.guidance_scale = 2.0
    assert await _invalid_field(sampling.Generate(guided, metadata=t.md)) == "params.guidance_scale"

    # A comparison of two image samples of one condition exports as one pair of the exact PNGs.
    fb = feedback_pb2_grpc.FeedbackServiceStub(gateway.channel)
    chosen, rejected = (c.sample_id for c in threes.completions)
    pref = feedback_pb2.Preference(chosen_sample_id=chosen, rejected_sample_id=rejected)
    await fb.SubmitFeedback(
        feedback_pb2.SubmitFeedbackRequest(feedback=feedback_pb2.Feedback(preference=pref)), metadata=t.md
    )
    mixed = feedback_pb2.Preference(chosen_sample_id=chosen, rejected_sample_id=sevens.completions[0].sample_id)
    call = fb.SubmitFeedback(
        feedback_pb2.SubmitFeedbackRequest(feedback=feedback_pb2.Feedback(preference=mixed)), metadata=t.md
    )
    assert await _invalid_field(call) == "feedback.preference.rejected_sample_id"  # a 3 against a 7

    exported = await fb.ExportFeedback(
        feedback_pb2.ExportFeedbackRequest(kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS), metadata=t.md
    )
    assert exported.record_count == 1 and exported.unused_feedback_count == 0
    [pair] = _dataset_lines(gateway, t, exported.dataset)
    assert pair["prompt"] == "<image class=3>"
    assert (png_of(pair["chosen"]), png_of(pair["rejected"])) == (pngs[0], pngs[1])
