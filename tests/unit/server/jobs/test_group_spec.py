"""GRPO / RLOO jobs and the remote reward source at CreateJob's spec builder: options land on
their trainer keys, bad values on their request paths."""

from __future__ import annotations

import pytest

from kiln.v1 import jobs_pb2
from tests.unit.server.jobs.test_spec import env, method_job, violation  # noqa: F401 (fixture)

REMOTE = jobs_pb2.RewardSource(remote=jobs_pb2.RemoteReward(target="127.0.0.1:50051", timeout_seconds=2.5))


async def test_grpo_and_rloo_options_reach_their_trainer_config(env):  # noqa: F811
    builder, names, *_ = env
    grpo = method_job(
        jobs_pb2.JOB_METHOD_GRPO,
        names["prompts"],
        grpo=jobs_pb2.GrpoConfig(reward=REMOTE, group_size=8, rollout_batch_size=32, epochs=2, scale_rewards=False),
    )
    spec = await builder.build(grpo, "t")
    c = spec.config
    assert spec.method == "grpo"
    assert (c["group_size"], c["rollout_batch_size"], c["ppo_epochs"], c["scale_rewards"]) == (8, 32, 2, False)
    assert (c["reward_service"], c["reward_timeout_s"], c["reward_retries"]) == ("127.0.0.1:50051", 2.5, 3)
    rloo = method_job(
        jobs_pb2.JOB_METHOD_RLOO,
        names["prompts"],
        rloo=jobs_pb2.RlooConfig(reward=jobs_pb2.RewardSource(scoring_function="length"), group_size=2),
    )
    spec = await builder.build(rloo, "t")
    assert spec.method == "rloo" and spec.config["group_size"] == 2 and spec.config["scoring_function"] == "length"


@pytest.mark.parametrize(
    ("job", "field"),
    [
        (jobs_pb2.GrpoConfig(reward=REMOTE, group_size=1), "job.grpo.group_size"),
        (jobs_pb2.GrpoConfig(reward=REMOTE, group_size=3, rollout_batch_size=16), "job.grpo.rollout_batch_size"),
        (jobs_pb2.GrpoConfig(reward=REMOTE, kl_coef=-1), "job.grpo.kl_coef"),
        (jobs_pb2.GrpoConfig(), "job.grpo.reward.reward_model"),
    ],
)
async def test_bad_grpo_options_name_their_field(env, job, field):  # noqa: F811
    builder, names, *_ = env
    assert await violation(builder, method_job(jobs_pb2.JOB_METHOD_GRPO, names["prompts"], grpo=job)) == field


@pytest.mark.parametrize(
    ("remote", "field"),
    [
        (jobs_pb2.RemoteReward(target="no-port"), "target"),
        (jobs_pb2.RemoteReward(target="host:99999"), "target"),
        (jobs_pb2.RemoteReward(target="http://host:80"), "target"),
        (jobs_pb2.RemoteReward(target="::1:50051"), "target"),
        (jobs_pb2.RemoteReward(target="h:1", timeout_seconds=0), "timeout_seconds"),
        (jobs_pb2.RemoteReward(target="h:1", max_batch_size=0), "max_batch_size"),
        (jobs_pb2.RemoteReward(target="h:1", max_retries=11), "max_retries"),
    ],
)
async def test_a_malformed_remote_reward_is_invalid_at_its_field(env, remote, field):  # noqa: F811
    builder, names, *_ = env
    for method, oneof, cls in (
        (jobs_pb2.JOB_METHOD_PPO, "ppo", jobs_pb2.PpoConfig),
        (jobs_pb2.JOB_METHOD_RLOO, "rloo", jobs_pb2.RlooConfig),
    ):
        job = method_job(method, names["prompts"], **{oneof: cls(reward=jobs_pb2.RewardSource(remote=remote))})
        assert await violation(builder, job) == f"job.{oneof}.reward.remote.{field}"


async def test_an_ipv6_target_in_brackets_is_accepted(env):  # noqa: F811
    builder, names, *_ = env
    remote = jobs_pb2.RewardSource(remote=jobs_pb2.RemoteReward(target="[::1]:50051"))
    spec = await builder.build(
        method_job(jobs_pb2.JOB_METHOD_PPO, names["prompts"], ppo=jobs_pb2.PpoConfig(reward=remote)), "t"
    )
    assert spec.config["reward_service"] == "[::1]:50051"


async def test_online_dpo_options_reach_their_trainer_config(env):  # noqa: F811
    builder, names, *_ = env
    job = method_job(
        jobs_pb2.JOB_METHOD_ONLINE_DPO,
        names["prompts"],
        online_dpo=jobs_pb2.OnlineDpoConfig(
            reward=jobs_pb2.RewardSource(scoring_function="0.5*length + 0.5*contains:thanks"),
            beta=0.3,
            loss=jobs_pb2.PREFERENCE_LOSS_ROBUST,
            label_smoothing=0.1,
            samples_per_prompt=8,
            rollout_batch_size=32,
            epochs=2,
        ),
    )
    spec = await builder.build(job, "t")
    c = spec.config
    assert spec.method == "online_dpo"
    assert (c["beta"], c["loss"], c["label_smoothing"], c["group_size"], c["ppo_epochs"]) == (0.3, "robust", 0.1, 8, 2)
    assert c["rollout_batch_size"] == 32 and c["scoring_function"].startswith("0.5*length")


@pytest.mark.parametrize(
    ("job", "field"),
    [
        (jobs_pb2.OnlineDpoConfig(reward=REMOTE, beta=0), "job.online_dpo.beta"),
        (jobs_pb2.OnlineDpoConfig(reward=REMOTE, samples_per_prompt=1), "job.online_dpo.samples_per_prompt"),
        (
            jobs_pb2.OnlineDpoConfig(reward=REMOTE, samples_per_prompt=3, rollout_batch_size=16),
            "job.online_dpo.rollout_batch_size",
        ),
        (jobs_pb2.OnlineDpoConfig(reward=REMOTE, minibatch_size=5), "job.online_dpo.minibatch_size"),
        (
            jobs_pb2.OnlineDpoConfig(reward=REMOTE, loss=jobs_pb2.PREFERENCE_LOSS_IPO, label_smoothing=0.1),
            "job.online_dpo.label_smoothing",
        ),
        (jobs_pb2.OnlineDpoConfig(reward=REMOTE, label_smoothing=0.5), "job.online_dpo.label_smoothing"),
        (jobs_pb2.OnlineDpoConfig(reward=REMOTE, temperature=3), "job.online_dpo.temperature"),
        (jobs_pb2.OnlineDpoConfig(), "job.online_dpo.reward.reward_model"),
        (
            jobs_pb2.OnlineDpoConfig(reward=jobs_pb2.RewardSource(scoring_function="2*nope")),
            "job.online_dpo.reward.scoring_function",
        ),
    ],
)
async def test_bad_online_dpo_options_name_their_field(env, job, field):  # noqa: F811
    builder, names, *_ = env
    assert (
        await violation(builder, method_job(jobs_pb2.JOB_METHOD_ONLINE_DPO, names["prompts"], online_dpo=job)) == field
    )
