"""DistillConfig: validation at construction, from_dict."""

import pytest

from kiln_trainer.configs.distill import DistillConfig
from kiln_trainer.errors import ConfigError

TRAIN = "train.jsonl"  # configs name their files; whether one exists is the trainer's check


def cfg(**kw) -> DistillConfig:
    return DistillConfig(
        **({"base_model": "kiln-gpt-tiny", "train_path": TRAIN, "teacher_model": "kiln-gpt-tiny"} | kw)
    )


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("teacher_model", {"teacher_model": ""}),
        ("teacher_model", {"teacher_model": "/no/such/model"}),
        ("temperature", {"temperature": 0.0}),
        ("alpha", {"alpha": 1.5}),
        ("kl", {"kl": "sideways"}),
        ("tuning", {"tuning": "lora"}),
        ("max_steps", {"max_steps": 0}),
    ],
)
def test_config_rejects_bad_values(field, kw):
    with pytest.raises(ConfigError) as err:
        cfg(**kw)
    assert err.value.field == field


def test_from_dict_requires_teacher():
    with pytest.raises(ConfigError) as err:
        DistillConfig.from_dict({"base_model": "kiln-gpt-tiny", "train_path": TRAIN})
    assert err.value.field == "teacher_model"
