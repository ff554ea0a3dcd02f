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


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("loss", "wgan"),
        ("n_critic", 0),
        ("n_critic", 11),
        ("gradient_penalty_weight", -1.0),
        ("discriminator_spectral_norm", "yes"),
        ("generator_learning_rate", 0.0),
        ("discriminator_learning_rate", -1e-4),
        ("ema_decay", 1.0),
        ("adam_beta1", 1.0),
        ("latent_dim", 0),
    ],
)
def test_bad_gan_values_name_their_field(field, value):
    from kiln_trainer.configs.images import GANConfig

    with pytest.raises(ConfigError) as err:
        GANConfig.from_dict({"train_path": "x.jsonl", field: value})
    assert err.value.field == field


def test_gan_learning_rates_default_to_the_shared_one():
    from kiln_trainer.configs.images import GANConfig

    cfg = GANConfig(train_path="x", learning_rate=1e-3, discriminator_learning_rate=4e-3)
    assert (cfg.lr_g, cfg.lr_d) == (1e-3, 4e-3)
