"""Architecture of a built-in kiln-gpt model (architecture search): the config checks name the
field at fault, the loader builds the asked shape, and decode latency is measured on it."""

from __future__ import annotations

import pytest

from kiln_trainer.configs.sft import SFTConfig
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.latency import decode_ms_per_token
from kiln_trainer.models.loader import load_causal_lm


def _cfg(base_model: str = "kiln-gpt-tiny", **arch) -> SFTConfig:
    return SFTConfig(base_model=base_model, train_path="x.jsonl", **arch)


@pytest.mark.parametrize(
    ("arch", "field"),
    [
        ({"d_model": 102}, "d_model"),  # tiny's 4 heads do not divide 102
        ({"n_heads": 3}, "n_heads"),  # nor 3 heads tiny's 128
        ({"n_layers": 0}, "n_layers"),
        ({"n_layers": 49}, "n_layers"),
        ({"d_model": 4096, "n_heads": 4}, "d_model"),
        ({"n_heads": True}, "n_heads"),
    ],
)
def test_bad_architecture_names_the_field(arch, field):
    with pytest.raises(ConfigError) as err:
        _cfg(**arch)
    assert err.value.field == field


def test_architecture_needs_a_builtin_model(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ConfigError) as err:
        _cfg(str(tmp_path), n_layers=2)
    assert err.value.field == "n_layers"
    assert _cfg(str(tmp_path)).architecture() == {}


def test_loader_builds_the_asked_shape_and_latency_is_measured():
    cfg = _cfg(n_layers=1, d_model=32, n_heads=2)
    assert cfg.architecture() == {"n_layer": 1, "n_embd": 32, "n_head": 2}
    small = load_causal_lm(cfg.base_model, architecture=cfg.architecture())
    shape = small.model.config
    assert (shape.n_layer, shape.n_embd, shape.n_head, shape.vocab_size) == (1, 32, 2, 2048)
    full = load_causal_lm("kiln-gpt-tiny")
    assert small.num_params() < full.num_params()
    ms = decode_ms_per_token(small.model, new_tokens=4, runs=2)
    assert 0 < ms < 1000
    with pytest.raises(ValueError, match="built-in"):
        load_causal_lm("/nonexistent", architecture={"n_layer": 1})
