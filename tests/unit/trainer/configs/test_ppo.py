"""PPOConfig validation (torch-free)."""

import json

import pytest

from kiln_trainer import scoring
from kiln_trainer.configs.ppo import PPOConfig
from kiln_trainer.errors import ConfigError


def cfg(**kw) -> PPOConfig:
    return PPOConfig(**({"base_model": "kiln-gpt-tiny", "prompts_path": "p.jsonl", "scoring_function": "length"} | kw))


BAD = [
    ("base_model", "gpt-17", "neither a built-in"),
    ("prompts_path", "", "JSONL"),
    ("scoring_function", "nope", "unknown scoring function 'nope'"),
    ("scoring_function", "contains", "needs an argument"),
    ("feedback_timeout_s", 0, "> 0.0, got 0"),
    ("reference_model", "gpt-17", "neither a built-in"),
    ("value_model", "", "model name or path"),
    ("kl_coef", -0.1, ">= 0.0, got -0.1"),
    ("kl_estimator", "k4", "'k4'"),
    ("adaptive_kl", "yes", "true or false"),
    ("adaptive_kl_target", 0, "> 0.0, got 0"),
    ("adaptive_kl_horizon", 0, ">= 1, got 0"),
    ("target_kl", 0.0, "> 0.0, got 0.0"),
    ("gamma", 1.5, "<= 1.0, got 1.5"),
    ("lam", -0.1, ">= 0.0, got -0.1"),
    ("clip_range", 0, "> 0.0, got 0"),
    ("clip_range", 1.0, "< 1.0, got 1.0"),
    ("value_clip_range", 0, "> 0.0, got 0"),
    ("ppo_epochs", 0, ">= 1, got 0"),
    ("rollout_batch_size", 0, ">= 1, got 0"),
    ("minibatch_size", 32, "exceeds rollout_batch_size 16"),
    ("max_new_tokens", 0, ">= 1, got 0"),
    ("max_new_tokens", 256, "leaves no room for a prompt"),
    ("temperature", 0.0, "> 0.0, got 0.0"),
    ("temperature", 2.5, "<= 2.0, got 2.5"),
    ("stop_at_eos", 1, "true or false"),
    ("learning_rate", 0, "> 0.0, got 0"),
    ("value_learning_rate", -1e-5, "> 0.0"),
    ("lr_schedule", "cosine", "'cosine'"),
    ("max_grad_norm", 0, "> 0.0, got 0"),
    ("max_steps", 0, ">= 1, got 0"),
    ("max_seq_len", 1024, "exceeds kiln-gpt-tiny's context of 256"),
    ("tuning", "qlora", "'qlora'"),
    ("lora_r", 0, ">= 1, got 0"),
    ("lora_target_modules", [], "non-empty list"),
    ("role_backend", "k8s", "'k8s'"),
    ("gpus", -1, ">= 0, got -1"),
    ("seed", 1.5, "integer, got 1.5"),
    ("log_every", 0, ">= 1, got 0"),
    ("checkpoint_every", 0, ">= 1, got 0"),
]


@pytest.mark.parametrize(("field", "value", "snippet"), BAD)
def test_config_rejects_bad_values(field, value, snippet):
    with pytest.raises(ConfigError) as e:
        cfg(**{field: value})
    assert e.value.field == field
    assert snippet in e.value.message


def test_exactly_one_reward_source():
    with pytest.raises(ConfigError, match="exactly one reward source.*got none") as e:
        cfg(scoring_function=None)
    assert e.value.field == "reward_model"
    with pytest.raises(ConfigError, match="got scoring_function, human_feedback") as e:
        cfg(human_feedback=True)
    assert e.value.field == "human_feedback"
    assert cfg(scoring_function=None, human_feedback=True).human_feedback


def test_reward_model_must_be_a_reward_model_dir(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "kiln-gpt"}))
    with pytest.raises(ConfigError, match="not a reward model directory") as e:
        cfg(scoring_function=None, reward_model=str(tmp_path))
    assert e.value.field == "reward_model"
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "kiln-reward-model"}))
    assert cfg(scoring_function=None, reward_model=str(tmp_path)).reward_model == str(tmp_path)


def test_from_dict_names_unknown_and_missing_fields():
    with pytest.raises(ConfigError) as e:
        PPOConfig.from_dict({"base_model": "kiln-gpt-tiny", "prompts_path": "p", "kl_ceof": 0.1})
    assert e.value.field == "kl_ceof"
    with pytest.raises(ConfigError) as e:
        PPOConfig.from_dict({"base_model": "kiln-gpt-tiny", "scoring_function": "length"})
    assert e.value.field == "prompts_path"
    c = cfg(target_kl=0.05)
    assert PPOConfig.from_dict(c.to_dict()) == c


# -- a registered scoring function ---------------------------------------------------------------


def test_register_a_scoring_function():
    @scoring.register_scoring("test-exclaims", help="counts exclamation marks")
    def exclaims(prompt, completion, arg):
        return completion.count("!")

    assert scoring.resolve("test-exclaims")("", "hi!!") == 2.0
    assert scoring.available()["test-exclaims"] == "counts exclamation marks"
    with pytest.raises(ValueError, match="takes no argument"):
        scoring.resolve("test-exclaims:x")
    with pytest.raises(ValueError, match="already registered"):
        scoring.register_scoring("test-exclaims")(exclaims)
    with pytest.raises(ValueError, match="colon-free"):
        scoring.register_scoring("a:b")
    assert cfg(scoring_function="test-exclaims").scoring_function == "test-exclaims"
