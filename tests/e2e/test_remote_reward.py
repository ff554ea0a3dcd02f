"""A GRPO job over gRPC whose reward comes from the user's own kiln.v1.RewardService.

The test runs the reward service itself: a real grpc.aio server on 127.0.0.1 that scores a
completion by its length in characters (capped). The base model is SFT'd (over gRPC too) on
one-word answers, so it mostly ends at once with eos; the length reward teaches that away,
and the job's mean_reward rises. A job whose reward service is unreachable FAILS with a reason
naming the service's address.
"""

from __future__ import annotations

import json
import socket

import grpc
import pytest

from kiln.v1 import datasets_pb2, jobs_pb2, rewards_pb2, rewards_pb2_grpc
from tests.e2e.conftest import sft_job, watch_until_done

pytestmark = pytest.mark.slow

WORDS = ("sea", "city", "forest", "moon", "rain", "river", "winter", "garden")
PROMPTS = [f"Name a thing like the {w}:\n" for w in WORDS]


class LengthReward(rewards_pb2_grpc.RewardServiceServicer):
    def __init__(self) -> None:
        self.calls = 0
        self.jobs: set[str] = set()

    async def Score(self, request, context):
        self.calls += 1
        self.jobs.add(request.job)
        return rewards_pb2.ScoreResponse(scores=[min(len(c), 24) / 8.0 for c in request.completions])


async def _upload(gw, t, records: list[dict], fmt) -> str:
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    return (await gw.upload(t, data, fmt)).name


def _grpo_job(base_model: str, prompts: str, target: str, steps: int) -> jobs_pb2.Job:
    return jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_GRPO,
        base_model=base_model,
        training_dataset=prompts,
        max_retries=0,
        hyperparameters=jobs_pb2.Hyperparameters(max_steps=steps, learning_rate=1e-3, max_seq_len=64),
        grpo=jobs_pb2.GrpoConfig(
            reward=jobs_pb2.RewardSource(remote=jobs_pb2.RemoteReward(target=target, timeout_seconds=5, max_retries=1)),
            group_size=4,
            rollout_batch_size=16,
            minibatch_size=16,
            max_new_tokens=12,
            kl_coef=0.01,
        ),
    )


async def _events(gw, t, job: jobs_pb2.Job) -> tuple[str, list]:
    created = await gw.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md)
    return created.name, await watch_until_done(gw, t, created.name, timeout=240)


async def test_grpo_learns_from_the_users_reward_service_and_fails_clearly_without_it(gateway):
    gw, t = gateway, await gateway.tenant()
    server = grpc.aio.server()
    service = LengthReward()
    rewards_pb2_grpc.add_RewardServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        short = [{"prompt": p, "completion": w} for p in PROMPTS for w in WORDS[:2]]
        sft_data = await _upload(gw, t, short * 4, datasets_pb2.DATASET_FORMAT_SFT)
        name, events = await _events(gw, t, sft_job(sft_data, max_steps=30, learning_rate=3e-3, eval_every=100))
        assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED
        base = (await gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=name), metadata=t.md)).output_model

        prompts = await _upload(gw, t, [{"prompt": p} for p in PROMPTS], datasets_pb2.DATASET_FORMAT_PROMPTS)
        name, events = await _events(gw, t, _grpo_job(base, prompts, f"127.0.0.1:{port}", steps=10))
        logs = [e.log.message for e in events if e.HasField("log")]
        assert events[-1].state_change.state == jobs_pb2.JOB_STATE_SUCCEEDED, logs[-5:]
        rewards = [e.metrics.values["mean_reward"] for e in events if e.HasField("metrics")]
        assert len(rewards) == 10 and service.calls >= 10 * 4  # a request per prompt per step
        assert service.jobs == {name}
        # Measured: 0.45, 0.60, 1.91, 2.93, then 3.0 (the cap) from the fifth iteration.
        assert sum(rewards[-3:]) / 3 > sum(rewards[:3]) / 3 + 0.5, rewards
    finally:
        await server.stop(None)

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"
    name, events = await _events(gw, t, _grpo_job(base, prompts, dead, steps=2))
    assert events[-1].state_change.state == jobs_pb2.JOB_STATE_FAILED
    job = await gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=name), metadata=t.md)
    assert f"reward service at {dead} is unreachable" in job.error, job.error
