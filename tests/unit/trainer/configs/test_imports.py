"""The configs are torch-free and import one way: never an algorithm, the training machinery or a
heavy library, so the gateway can validate jobs without loading torch."""

import ast
import subprocess
import sys
from pathlib import Path

import kiln_trainer.configs

CONFIGS = Path(kiln_trainer.configs.__file__).parent
HEAVY = {"torch", "numpy", "transformers", "tokenizers", "peft", "safetensors", "matplotlib", "ray"}
# The only kiln_trainer modules outside configs/ that a config may use (each torch-free itself).
ALLOWED = {"kiln_trainer.errors", "kiln_trainer.models.registry", "kiln_trainer.scoring"}


def imports_of(path: Path) -> list[str]:
    """Every module a file imports, at any depth (function bodies included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from kiln_trainer import scoring` imports kiln_trainer.scoring
            out += [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "kiln_trainer"]
    return out


def allowed(module: str) -> bool:
    top = module.partition(".")[0]
    if top in HEAVY:
        return False
    if top != "kiln_trainer" or module == "kiln_trainer":
        return True
    return module in ALLOWED or module == "kiln_trainer.configs" or module.startswith("kiln_trainer.configs.")


def violations(path: Path) -> list[str]:
    return [m for m in imports_of(path) if not allowed(m)]


def test_configs_import_nothing_heavy_and_no_algorithm():
    files = sorted(CONFIGS.glob("*.py"))
    assert len(files) >= 8  # __init__, checks, base and one per method
    found = {str(f.relative_to(CONFIGS)): violations(f) for f in files}
    assert {f: v for f, v in found.items() if v} == {}


def test_the_rule_catches_what_it_should(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import numpy as np\n"
        "from kiln_trainer.algorithms.sft import train\n"
        "from kiln_trainer import training\n"
        "def f():\n    import torch\n"
        "from kiln_trainer.configs.base import TrainingArguments\n"
        "from kiln_trainer.errors import ConfigError\n"
    )
    assert violations(sample) == ["numpy", "kiln_trainer.algorithms.sft", "kiln_trainer.training", "torch"]


def test_importing_every_config_loads_no_heavy_module():
    code = (
        "import sys\n"
        "import kiln_trainer.configs\n"
        "from kiln_trainer.methods import TRAINERS\n"
        "classes = [entry.config_class() for entry in TRAINERS.values()]\n"
        "assert all(c.__module__.startswith('kiln_trainer.configs.') for c in classes), classes\n"
        f"print(','.join(sorted(m for m in {sorted(HEAVY)!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
