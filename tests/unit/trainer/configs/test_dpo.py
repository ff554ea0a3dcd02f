"""DPOConfig: validation at construction, from_dict/to_dict."""

import pytest

from kiln_trainer.configs.dpo import DPOConfig
from kiln_trainer.errors import ConfigError

BAD = [
    ("beta", 0.0, "> 0.0, got 0.0"),
    ("loss", "hinge", "'hinge'"),
    ("label_smoothing", 0.5, "< 0.5, got 0.5"),
    ("reference_model", "no/such/dir", "neither a built-in"),
    ("base_model", "", "model name or path"),
    ("warmup_steps", -1, ">= 0, got -1"),
    ("early_stopping_patience", 0, ">= 1"),
    ("early_stopping_min_delta", -0.1, ">= 0.0"),
]


@pytest.mark.parametrize(("field", "value", "snippet"), BAD)
def test_config_rejects_bad_values(field, value, snippet):
    with pytest.raises(ConfigError) as e:
        DPOConfig(**{"base_model": "kiln-gpt-tiny", "train_path": "t.jsonl", field: value})
    assert e.value.field == field and snippet in e.value.message


def test_config_ipo_without_smoothing_and_round_trip():
    with pytest.raises(ConfigError) as e:
        DPOConfig(base_model="kiln-gpt-tiny", train_path="t", loss="ipo", label_smoothing=0.1)
    assert e.value.field == "label_smoothing"
    cfg = DPOConfig(base_model="kiln-gpt-tiny", train_path="t", loss="ipo", beta=0.5, reference_model="kiln-gpt-small")
    assert DPOConfig.from_dict(cfg.to_dict()) == cfg


def test_config_robust_loss_and_checkpoint_selection_round_trip():
    cfg = DPOConfig(
        base_model="kiln-gpt-tiny",
        train_path="t",
        loss="robust",
        label_smoothing=0.2,
        early_stopping_patience=3,
        restore_best_weights=True,
    )
    assert DPOConfig.from_dict(cfg.to_dict()) == cfg
