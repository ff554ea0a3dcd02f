"""PPO jobs end to end on kiln-gpt-tiny: learning, metrics, cancel and resume, human feedback,
LoRA, and the roles as Ray actors."""

import json
import shutil

import pytest
import torch

from kiln_trainer.algorithms.ppo import PPOConfig, train
from kiln_trainer.algorithms.sft import SFTConfig
from kiln_trainer.algorithms.sft import train as sft_train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH
from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.models.loader import load_causal_lm

METRICS = (
    "mean_reward",
    "kl",
    "entropy",
    "clip_fraction",
    "value_loss",
    "policy_loss",
    "explained_variance",
    "kl_coef",
    "rollout_tokens_per_s",
    "generation_s",
    "training_s",
)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def base_model(tmp_path_factory):
    """kiln-gpt-tiny as a model directory: enough for the tests of mechanics."""
    return str(load_causal_lm("kiln-gpt-tiny", seed=0).save(tmp_path_factory.mktemp("base")))


@pytest.fixture(scope="module")
def trained_base_model(tmp_path_factory):
    """kiln-gpt-tiny after a few SFT steps on the demo set. From random weights every one of its
    2048 tokens is about equally likely, so no text reward has a signal PPO could follow in a
    few steps; after SFT it mostly ends at once with eos, which a length reward can teach away."""
    work = tmp_path_factory.mktemp("sft")
    result = sft_train(
        SFTConfig(
            base_model="kiln-gpt-tiny",
            train_path=str(DEMO_SFT_PATH),
            batch_size=8,
            max_seq_len=64,
            learning_rate=3e-3,
            warmup_steps=2,
            max_steps=60,
            eval_every=1000,
            log_every=60,
        ),
        LocalContext(work),
    )
    return str(result.model_dir)


@pytest.fixture(scope="module")
def prompts_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "prompts.jsonl"
    records = read_jsonl(DEMO_SFT_PATH, "sft")[:24]
    path.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records))
    return str(path)


def config(base_model, prompts_path, **kw) -> PPOConfig:
    args = dict(
        base_model=base_model,
        prompts_path=prompts_path,
        scoring_function="length:40",
        max_new_tokens=12,
        rollout_batch_size=16,
        minibatch_size=8,
        learning_rate=3e-4,
        max_steps=12,
        max_seq_len=64,
        role_backend="local",
        checkpoint_every=100,
    )
    return PPOConfig(**(args | kw))


@pytest.mark.slow  # a 12-iteration PPO run that must learn
def test_mean_reward_rises_and_the_policy_is_saved(trained_base_model, prompts_path, tmp_path):
    base_model = trained_base_model
    ctx = LocalContext(tmp_path)
    result = train(config(base_model, prompts_path), ctx)
    steps = [s for s, _ in ctx.metrics]
    assert steps == list(range(1, 13))
    for _, m in ctx.metrics:
        assert set(METRICS) <= set(m)
    rewards = [m["mean_reward"] for _, m in ctx.metrics]
    # Completions start out mostly a bare eos (reward ~0.1 of 1) and get longer.
    assert sum(rewards[-4:]) / 4 > sum(rewards[:2]) / 2 + 0.1, rewards
    lengths = [m["mean_completion_len"] for _, m in ctx.metrics]
    assert sum(lengths[-4:]) > sum(lengths[:4])

    assert result.family == "causal_lm" and result.metrics["steps"] == 12.0
    assert (tmp_path / "_artifacts" / "ppo_curves.png").stat().st_size > 1000
    tuned, base = load_causal_lm(str(result.model_dir)), load_causal_lm(base_model)
    assert not torch.equal(tuned.model.wte.weight, base.model.wte.weight)


def test_cancel_then_resume_matches_an_uninterrupted_run(base_model, prompts_path, tmp_path):
    cfg = config(base_model, prompts_path, max_steps=4, checkpoint_every=1, ppo_epochs=1)
    whole = LocalContext(tmp_path / "whole")
    train(cfg, whole)

    first = LocalContext(tmp_path / "first", stop_after_step=2)
    with pytest.raises(TrainingCancelled) as e:
        train(cfg, first)
    assert e.value.step == 2 and sorted(first.checkpoints) == [1, 2]
    second = LocalContext(tmp_path / "second", checkpoints=dict(first.checkpoints))
    result = train(cfg, second)
    assert [s for s, _ in second.metrics] == [3, 4]
    assert any("resumed from checkpoint at PPO step 2" in line for line in second.logs)
    for (s1, m1), (s2, m2) in zip(whole.metrics[2:], second.metrics, strict=True):
        assert s1 == s2 and m1["mean_reward"] == pytest.approx(m2["mean_reward"], abs=1e-6)
        assert m1["kl"] == pytest.approx(m2["kl"], abs=1e-4)
    a = load_causal_lm(str(result.model_dir)).model.state_dict()
    b = load_causal_lm(str(whole.work_dir / "model")).model.state_dict()
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)


class RatingContext(LocalContext):
    """Stands in for people rating the job's samples: longer completions score higher, and every
    third sample goes unrated (its rating did not arrive in time)."""

    def __post_init__(self):
        super().__post_init__()
        self.requests = []

    def collect_feedback(self, samples, timeout_s):
        self.requests.append(([s.sample_id for s in samples], timeout_s))
        return {s.sample_id: min(len(s.completion) / 20, 1.0) for i, s in enumerate(samples) if i % 3}


def test_human_feedback_rewards_come_from_the_context(base_model, prompts_path, tmp_path):
    cfg = config(
        base_model,
        prompts_path,
        scoring_function=None,
        human_feedback=True,
        feedback_timeout_s=5.0,
        max_steps=2,
        ppo_epochs=1,
    )
    ctx = RatingContext(tmp_path, job_id="job-7")
    train(cfg, ctx)
    assert len(ctx.requests) == 2
    ids, timeout = ctx.requests[0]
    assert ids[:2] == ["job-7-0-0", "job-7-0-1"] and len(ids) == 16 and timeout == 5.0
    for _, m in ctx.metrics:
        assert m["samples"] == 16 and m["rated"] == 10

    with pytest.raises(ConfigError) as e:
        train(cfg, LocalContext(tmp_path / "plain"))
    assert e.value.field == "human_feedback"


def test_lora_policy_is_merged_into_a_loadable_model(base_model, prompts_path, tmp_path):
    cfg = config(base_model, prompts_path, tuning="lora", lora_r=4, max_steps=2, ppo_epochs=1, learning_rate=1e-3)
    result = train(cfg, LocalContext(tmp_path))
    assert (result.model_dir / "adapter" / "adapter_config.json").is_file()
    tuned, base = load_causal_lm(str(result.model_dir)), load_causal_lm(base_model)
    assert set(tuned.model.state_dict()) == set(base.model.state_dict())
    assert not torch.equal(tuned.model.blocks[0].attn.c_attn.weight, base.model.blocks[0].attn.c_attn.weight)
    assert torch.equal(tuned.model.wte.weight, base.model.wte.weight)  # not an adapter target


def test_bad_inputs_fail_as_config_errors(base_model, prompts_path, tmp_path):
    with pytest.raises(ConfigError) as e:
        train(config(base_model, str(tmp_path / "missing.jsonl")), LocalContext(tmp_path))
    assert e.value.field == "prompts_path"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "ok"}\n{"text": "no prompt"}\n')
    with pytest.raises(ConfigError, match="line 2") as e:
        train(config(base_model, str(bad)), LocalContext(tmp_path))
    assert e.value.field == "prompts_path"


def test_reward_model_scores_and_initialises_the_critic(base_model, prompts_path, tmp_path):
    from kiln_trainer.algorithms.ppo.specs import build_value, role_specs
    from kiln_trainer.models.reward_model import reward_model_from_causal_lm

    rm_dir = str(reward_model_from_causal_lm(base_model, seed=1).save(tmp_path / "rm"))
    cfg = config(
        base_model,
        prompts_path,
        scoring_function=None,
        reward_model=rm_dir,
        value_model=rm_dir,
        max_steps=1,
        ppo_epochs=1,
    )
    ctx = LocalContext(tmp_path / "w")
    train(cfg, ctx)
    assert any(f"reward {rm_dir}" in line for line in ctx.logs)
    assert ctx.metrics[0][1]["mean_reward"] != 0.0

    critic = build_value(role_specs(cfg), torch.device("cpu"))
    rm = reward_model_from_causal_lm(base_model, seed=1)
    assert torch.equal(critic.model.head.weight, rm.head.weight)  # the critic starts from the reward head


def test_an_unloadable_reference_names_its_field(base_model, prompts_path, tmp_path):
    broken = tmp_path / "ref"
    shutil.copytree(base_model, broken)
    config_path = broken / "config.json"
    config_path.write_text(json.dumps(json.loads(config_path.read_text()) | {"n_embd": 64}))
    with pytest.raises(ConfigError, match="cannot load the reference model") as e:
        train(config(base_model, prompts_path, reference_model=str(broken)), LocalContext(tmp_path / "w"))
    assert e.value.field == "reference_model"


@pytest.mark.slow  # starts Ray and four actors
def test_two_iterations_on_ray_actors(prompts_path, tmp_path):
    import ray

    # Reuse a Ray instance the session already has (the e2e tests start one); else start one.
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        cfg = PPOConfig(
            base_model="kiln-gpt-tiny",
            prompts_path=prompts_path,
            scoring_function="charset:aeiou",
            max_new_tokens=6,
            rollout_batch_size=8,
            minibatch_size=4,
            ppo_epochs=2,
            learning_rate=1e-4,
            max_steps=2,
            max_seq_len=64,
            role_backend="auto",
        )
        ctx = LocalContext(tmp_path)
        result = train(cfg, ctx)
        assert any("as Ray actors" in line for line in ctx.logs)
        assert [s for s, _ in ctx.metrics] == [1, 2]
        assert all(m["ppo_updates"] == 4 for _, m in ctx.metrics)
        load_causal_lm(str(result.model_dir))
    finally:
        if started:
            ray.shutdown()
