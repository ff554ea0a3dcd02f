"""RewardConfig: validation at construction, from_dict/to_dict."""

import pytest

from kiln_trainer.configs.reward import RewardConfig
from kiln_trainer.errors import ConfigError

BAD = [
    ("base_model", "gpt-17", "neither a built-in"),
    ("train_path", "", "JSONL"),
    ("val_fraction", 0.5, "< 0.5, got 0.5"),
    ("tuning", "qlora", "'qlora'"),
    ("lora_target_modules", [], "non-empty list"),
    ("learning_rate", 0.0, "> 0.0, got 0.0"),
    ("max_steps", 0, ">= 1, got 0"),
    ("batch_size", True, "integer, got True"),
    ("max_seq_len", 1024, "exceeds kiln-gpt-tiny's context of 256"),
    ("precision", "fp8", "'fp8'"),
    ("mixup_alpha", -0.1, ">= 0.0, got -0.1"),
    ("mixup_alpha", 11.0, "<= 10.0, got 11.0"),
    ("checkpoint_every", 0, ">= 1, got 0"),
    ("seed", -1, ">= 0, got -1"),
]


@pytest.mark.parametrize(("field", "value", "snippet"), BAD)
def test_config_rejects_bad_values(field, value, snippet):
    with pytest.raises(ConfigError) as e:
        RewardConfig(**{"base_model": "kiln-gpt-tiny", "train_path": "t.jsonl", field: value})
    assert e.value.field == field and snippet in e.value.message


def test_config_dict_round_trip_and_unknown_keys():
    cfg = RewardConfig(base_model="kiln-gpt-tiny", train_path="t.jsonl", tuning="lora", max_steps=5)
    assert RewardConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError) as e:
        RewardConfig.from_dict({"base_model": "kiln-gpt-tiny", "train_path": "t", "beta": 0.1})
    assert e.value.field == "beta" and "unknown RewardConfig field" in e.value.message
    with pytest.raises(ConfigError) as e:
        RewardConfig.from_dict({"train_path": "t"})
    assert e.value.field == "base_model"
