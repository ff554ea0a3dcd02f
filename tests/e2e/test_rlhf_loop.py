"""The whole RLHF loop over gRPC, on real Redis, Ray workers and Ray Serve:

SFT model -> deploy and sample -> a simulated rater's feedback -> export preference pairs and
prompts -> reward model -> PPO against it -> evaluation: the PPO model beats the SFT model in
reward-model win rate.

The rater prefers longer answers (a rule a reward model learns from a few hundred pairs and PPO
can move towards in a few iterations on CPU).
"""

from __future__ import annotations

import asyncio

from kiln.v1 import (
    evaluation_pb2,
    evaluation_pb2_grpc,
    feedback_pb2,
    feedback_pb2_grpc,
    jobs_pb2,
    models_pb2,
    sampling_pb2,
    sampling_pb2_grpc,
)
from tests.e2e.conftest import demo_records, sft_job, watch_until_done

PROMPTS = [
    f"Write about the {w}:\n"
    for w in (
        "sea",
        "city",
        "forest",
        "moon",
        "rain",
        "river",
        "winter",
        "garden",
        "train",
        "market",
        "mountain",
        "library",
    )
]


def rating_for(text: str) -> float:
    """The simulated rater: 1 to 5 stars, by length in words."""
    return float(min(5, 1 + len(text.split())))


async def _job(gw, t, job: jobs_pb2.Job) -> jobs_pb2.Job:
    created = await gw.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    events = await watch_until_done(gw, t, created.name, timeout=420)
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED, [
        e.log.message for e in events if e.HasField("log")
    ][-5:]
    return await gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=t.md)


async def test_feedback_flows_back_into_training_and_ppo_wins(gateway_factory):
    gw = await gateway_factory(serve_replica_cpus=0.5)
    t = await gw.tenant()
    models = gw.models
    sampling = sampling_pb2_grpc.SamplingServiceStub(gw.channel)
    feedback = feedback_pb2_grpc.FeedbackServiceStub(gw.channel)
    evaluations = evaluation_pb2_grpc.EvaluationServiceStub(gw.channel)

    # 1. An SFT model.
    ds = await gw.upload(t, demo_records(400))
    sft = (await _job(gw, t, sft_job(ds.name, max_steps=80, eval_every=40, checkpoint_every=80))).output_model

    # 2. Sample it through Ray Serve, 4 completions per prompt.
    await models.DeployModel(
        models_pb2.DeployModelRequest(name=sft, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=t.md
    )
    try:
        responses = await asyncio.gather(
            *(
                sampling.Generate(
                    sampling_pb2.GenerateRequest(
                        model=sft,
                        prompt=p,
                        n=4,
                        params=sampling_pb2.SamplingParams(temperature=1.0, seed=i, max_tokens=24),
                    ),
                    metadata=t.md,
                )
                for i, p in enumerate(PROMPTS)
            )
        )
    finally:
        await models.UndeployModel(models_pb2.UndeployModelRequest(name=sft), metadata=t.md)

    # 3. The simulated rater rates every sample, in bulk over one stream.
    async def ratings():
        for r in responses:
            for c in r.completions:
                yield feedback_pb2.SubmitFeedbackRequest(
                    feedback_id=f"rate-{c.sample_id.split('/')[1]}",
                    feedback=feedback_pb2.Feedback(
                        sample_id=c.sample_id, rating=feedback_pb2.Rating(value=rating_for(c.text)), source="sim"
                    ),
                )

    acks = [a async for a in feedback.StreamFeedback(ratings(), metadata=t.md)]
    assert acks[-1].accepted_count == 4 * len(PROMPTS) and acks[-1].rejected_count == 0

    # 4. Export preference pairs and the prompt set.
    pairs = await feedback.ExportFeedback(
        feedback_pb2.ExportFeedbackRequest(
            kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS,
            pairing=feedback_pb2.PreferencePairing(min_rating_gap=0.2),
        ),
        metadata=t.md,
    )
    prompts = await feedback.ExportFeedback(
        feedback_pb2.ExportFeedbackRequest(kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PROMPTS), metadata=t.md
    )
    assert pairs.record_count >= 20 and prompts.record_count == len(PROMPTS)

    # 5. A reward model on the pairs, from the SFT model.
    rm_job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_REWARD_MODEL,
        base_model=sft,
        training_dataset=pairs.dataset,
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=60, batch_size=8, max_seq_len=64, learning_rate=1e-3, warmup_steps=5, eval_every=30, log_every=10
        ),
    )
    rm = (await _job(gw, t, rm_job)).output_model

    # 6. PPO of the SFT model against the reward model.
    ppo_job = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_PPO,
        base_model=sft,
        training_dataset=prompts.dataset,
        ppo=jobs_pb2.PpoConfig(
            reward=jobs_pb2.RewardSource(reward_model=rm),
            kl_coef=0.02,
            rollout_batch_size=12,
            minibatch_size=6,
            ppo_epochs=2,
            max_new_tokens=24,
        ),
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=12, learning_rate=5e-4, log_every=2, checkpoint_every=6, max_seq_len=64
        ),
    )
    ppo = (await _job(gw, t, ppo_job)).output_model

    # 7. Judged by the reward model, the PPO model beats the SFT model.
    ev = await evaluations.CreateEvaluation(
        evaluation_pb2.CreateEvaluationRequest(
            evaluation=evaluation_pb2.Evaluation(
                model=ppo,
                baseline_model=sft,
                reward_model=rm,
                dataset=prompts.dataset,
                metrics=[evaluation_pb2.EVALUATION_METRIC_WIN_RATE],
                sampling_params=sampling_pb2.SamplingParams(temperature=1.0, seed=1, max_tokens=24),
            )
        ),
        metadata=t.md,
    )
    async for _ in evaluations.WatchEvaluation(evaluation_pb2.WatchEvaluationRequest(name=ev.name), metadata=t.md):
        pass
    done = await evaluations.GetEvaluation(evaluation_pb2.GetEvaluationRequest(name=ev.name), metadata=t.md)
    assert done.state == evaluation_pb2.EVALUATION_STATE_SUCCEEDED, done.error
    assert done.results["win_rate"] > 0.5, dict(done.results)
