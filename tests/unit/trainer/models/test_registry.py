"""Light modules the gateway imports stay torch-free; registry helpers."""

import subprocess
import sys

import pytest

from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir

LIGHT = [
    "kiln_trainer",
    "kiln_trainer.models",
    "kiln_trainer.models.registry",
    "kiln_trainer.algorithms",
    "kiln_trainer.algorithms.sft",
    "kiln_trainer.algorithms.reward",
    "kiln_trainer.algorithms.dpo",
    "kiln_trainer.algorithms.ppo",
    "kiln_trainer.algorithms.distill",
    "kiln_trainer.configs",
    "kiln_trainer.methods",
    "kiln_trainer.scoring",
    "kiln_trainer.data",
    "kiln_trainer.data.formats",
    "kiln_trainer.errors",
    "kiln_trainer.context",
]


def test_light_modules_do_not_import_heavy_libraries():
    code = (
        "import sys\n"
        f"for m in {LIGHT!r}: __import__(m)\n"
        "heavy = [m for m in ('torch', 'transformers', 'tokenizers', 'peft', 'numpy', "
        "'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_builtin_names():
    assert set(BUILTIN_MODELS) == {"kiln-gpt-tiny", "kiln-gpt-small"}
    assert is_builtin("kiln-gpt-tiny") and not is_builtin("gpt2")


@pytest.mark.parametrize("name", sorted(BUILTIN_MODELS))
def test_builtin_configs_are_valid(name):
    from kiln_trainer.models.gpt import GPTConfig

    GPTConfig(**BUILTIN_MODELS[name])


def test_looks_like_model_dir(tmp_path):
    assert not looks_like_model_dir(tmp_path)
    assert not looks_like_model_dir(tmp_path / "missing")
    (tmp_path / "config.json").write_text("{}")
    assert not looks_like_model_dir(tmp_path)  # no weights
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert looks_like_model_dir(tmp_path)
    assert looks_like_model_dir(str(tmp_path))
    sharded = tmp_path / "sharded"
    sharded.mkdir()
    (sharded / "config.json").write_text("{}")
    (sharded / "model-00001-of-00002.safetensors").write_bytes(b"")
    assert looks_like_model_dir(sharded)
