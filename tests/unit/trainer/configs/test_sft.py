"""SFTConfig: validation at construction, from_dict/to_dict."""

import pytest

from kiln_trainer.configs.sft import SFTConfig
from kiln_trainer.errors import ConfigError

BAD = [
    ("base_model", "gpt-17", "neither a built-in"),
    ("train_path", "", "JSONL"),
    ("val_path", "", "JSONL"),
    ("tuning", "qlora", "'qlora'"),
    ("lora_r", 0, ">= 1, got 0"),
    ("lora_alpha", 0, "> 0.0, got 0"),
    ("lora_dropout", 1.0, "< 1.0, got 1.0"),
    ("lora_target_modules", [], "non-empty list"),
    ("lora_target_modules", "c_attn", "non-empty list"),
    ("learning_rate", 0.0, "> 0.0, got 0.0"),
    ("learning_rate", "3e-4", "number, got '3e-4'"),
    ("weight_decay", -0.1, ">= 0.0, got -0.1"),
    ("warmup_steps", -1, ">= 0, got -1"),
    ("min_lr_ratio", 1.5, "<= 1.0, got 1.5"),
    ("max_steps", 0, ">= 1, got 0"),
    ("epochs", 0, ">= 1, got 0"),
    ("batch_size", 2.5, "integer, got 2.5"),
    ("batch_size", True, "integer, got True"),
    ("grad_accum_steps", 0, ">= 1, got 0"),
    ("max_grad_norm", 0, "> 0.0, got 0"),
    ("max_seq_len", 4, ">= 8, got 4"),
    ("max_seq_len", 1024, "exceeds kiln-gpt-tiny's context of 256"),
    ("packing", "yes", "true or false, got 'yes'"),
    ("precision", "fp8", "'fp8'"),
    ("val_fraction", 0.5, "< 0.5, got 0.5"),
    ("val_fraction", -0.1, ">= 0.0, got -0.1"),
    ("eval_every", 0, ">= 1, got 0"),
    ("early_stopping_patience", 0, ">= 1, got 0"),
    ("checkpoint_every", 0, ">= 1, got 0"),
    ("log_every", 0, ">= 1, got 0"),
    ("seed", -1, ">= 0, got -1"),
]


@pytest.mark.parametrize(("field", "value", "snippet"), BAD)
def test_config_rejects_bad_values(field, value, snippet):
    with pytest.raises(ConfigError) as e:
        SFTConfig(**{"base_model": "kiln-gpt-tiny", "train_path": "t.jsonl", field: value})
    assert e.value.field == field
    assert snippet in e.value.message


def test_config_dict_round_trip_and_unknown_keys():
    cfg = SFTConfig(
        base_model="kiln-gpt-tiny", train_path="t.jsonl", tuning="lora", lora_target_modules=["c_attn"], max_steps=5
    )
    assert SFTConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError) as e:
        SFTConfig.from_dict({"base_model": "kiln-gpt-tiny", "train_path": "t", "lr": 1e-3})
    assert e.value.field == "lr"
    with pytest.raises(ConfigError) as e:
        SFTConfig.from_dict({"base_model": "kiln-gpt-tiny"})
    assert e.value.field == "train_path"
