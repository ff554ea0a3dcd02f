"""GRPO and RLOO jobs on kiln-gpt-tiny through the PPO trainer's machinery: metrics, the saved
policy, groups of completions per prompt, cancel and resume, and config errors."""

import json

import pytest
import torch

from kiln_trainer.algorithms.group import train_grpo, train_rloo
from kiln_trainer.algorithms.group.trainer import GRPOTrainer
from kiln_trainer.configs.group import GRPOConfig, RLOOConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH
from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.models.loader import load_causal_lm

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def base_model(tmp_path_factory):
    return str(load_causal_lm("kiln-gpt-tiny", seed=0).save(tmp_path_factory.mktemp("base")))


@pytest.fixture(scope="module")
def prompts_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "prompts.jsonl"
    records = read_jsonl(DEMO_SFT_PATH, "sft")[:6]
    path.write_text("".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records))
    return str(path)


def args(base_model, prompts_path, **kw):
    return (
        dict(
            base_model=base_model,
            prompts_path=prompts_path,
            scoring_function="length:40",
            max_new_tokens=6,
            rollout_batch_size=8,
            group_size=4,
            minibatch_size=8,
            learning_rate=3e-4,
            max_steps=2,
            max_seq_len=64,
            role_backend="local",
            checkpoint_every=100,
        )
        | kw
    )


def test_grpo_reports_group_metrics_and_saves_the_policy(base_model, prompts_path, tmp_path):
    ctx = LocalContext(tmp_path)
    result = train_grpo(GRPOConfig(**args(base_model, prompts_path)), ctx)
    assert [s for s, _ in ctx.metrics] == [1, 2]
    for _, m in ctx.metrics:
        assert {"mean_reward", "kl", "policy_loss", "entropy", "group_return_std", "flat_groups"} <= set(m)
        assert "value_loss" not in m and m["samples"] == 8.0
    tuned, base = load_causal_lm(str(result.model_dir)), load_causal_lm(base_model)
    assert not torch.equal(tuned.model.wte.weight, base.model.wte.weight)
    assert (tmp_path / "_artifacts" / "ppo_curves.png").stat().st_size > 1000


def test_a_batch_is_groups_of_one_prompt(base_model, prompts_path, tmp_path):
    cfg = GRPOConfig(**args(base_model, prompts_path, rollout_batch_size=12, group_size=3))
    trainer = GRPOTrainer(cfg, LocalContext(tmp_path))
    trainer.prompt_ids = [[1]] * 6
    trainer.step = 0
    idx = trainer.batch_prompts()
    assert len(idx) == 12 and len(set(idx)) == 4  # within one epoch of the prompt order
    assert all(len(set(idx[g : g + 3])) == 1 for g in range(0, 12, 3))


@pytest.mark.slow  # three short runs
def test_rloo_cancel_then_resume_matches_an_uninterrupted_run(base_model, prompts_path, tmp_path):
    cfg = RLOOConfig(**args(base_model, prompts_path, max_steps=2, checkpoint_every=1))
    whole = LocalContext(tmp_path / "whole")
    train_rloo(cfg, whole)
    first = LocalContext(tmp_path / "first", stop_after_step=1)
    with pytest.raises(TrainingCancelled):
        train_rloo(cfg, first)
    second = LocalContext(tmp_path / "second", checkpoints=dict(first.checkpoints))
    result = train_rloo(cfg, second)
    assert result.metrics["steps"] == 2.0
    assert second.metrics[-1][1]["mean_reward"] == pytest.approx(whole.metrics[-1][1]["mean_reward"])
    assert second.metrics[-1][1]["policy_loss"] == pytest.approx(whole.metrics[-1][1]["policy_loss"], rel=1e-4)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"group_size": 1}, "group_size"),
        ({"rollout_batch_size": 10, "group_size": 4}, "rollout_batch_size"),
        ({"scale_rewards": "yes"}, "scale_rewards"),
    ],
)
def test_bad_group_settings_name_their_field(base_model, prompts_path, kw, field):
    with pytest.raises(ConfigError) as e:
        GRPOConfig(**args(base_model, prompts_path, **kw))
    assert e.value.field == field


def test_only_fully_rated_groups_are_learned_from():
    from kiln_trainer.algorithms.group.loop import GroupLoop
    from kiln_trainer.algorithms.ppo.loop import LoopOptions

    loop = GroupLoop(None, LoopOptions(), group_size=2, baseline="leave_one_out")
    assert loop._usable([1.0, 2.0, None, 3.0, 0.5, 0.0]) == [0, 1, 4, 5]
    assert loop._usable([None, None]) == []
    with pytest.raises(ValueError, match="unknown baseline"):
        GroupLoop(None, LoopOptions(), group_size=2, baseline="critic")
