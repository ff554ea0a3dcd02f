"""Image job configs: every bad value is a ConfigError naming its field."""

from __future__ import annotations

import pytest

from kiln_trainer.configs.images import VAEConfig
from kiln_trainer.errors import ConfigError


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("resolution", 10),
        ("resolution", 4),
        ("resolution", 256),
        ("latent_dim", 0),
        ("latent_dim", 1000),
        ("base_channels", 2),
        ("reconstruction_loss", "l1"),
        ("observation_std", 0.0),
        ("beta", -1.0),
        ("kl_warmup_steps", -1),
        ("max_shift", 9),
        ("max_rotation_degrees", 90.0),
        ("noise_std", 0.6),
        ("horizontal_flip", 1),
        ("max_seq_len", 64),
        ("base_model", "kiln-gpt-tiny"),
        ("heldout_dataset", "mnist"),
    ],
)
def test_bad_values_name_their_field(field, value):
    with pytest.raises(ConfigError) as err:
        VAEConfig.from_dict({"train_path": "x.jsonl", field: value})
    assert err.value.field == field


def test_train_path_is_required_and_kl_warms_up():
    with pytest.raises(ConfigError) as err:
        VAEConfig.from_dict({})
    assert err.value.field == "train_path"
    cfg = VAEConfig(train_path="x", beta=2.0, kl_warmup_steps=4)
    assert [cfg.kl_weight(s) for s in range(5)] == [0.5, 1.0, 1.5, 2.0, 2.0]
    assert VAEConfig(train_path="x", beta=0.5).kl_weight(0) == 0.5
