"""Triton model-repository entries for Kiln models, rendered from triton_template/.

An entry is <repository>/<name>/config.pbtxt (the template with this model's name, version,
instance count and weights path filled in) and <name>/1/model.py (the Python-backend model).
Weights are not copied: `model_path` points at the model directory in the artifact store, which
Triton must see at the same path (one machine, or a shared volume mounted alike).

Compressed exports are checked before anything is written (manifest readable and supported,
weights' sha256 as recorded), so a corrupt export fails at DeployModel with the reason instead
of inside Triton.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

from kiln_server.platform.errors import FailedPrecondition

TEMPLATE_DIR = Path(__file__).resolve().parent / "triton_template"
MANIFEST_FILE = "kiln_compress.json"  # kiln_trainer.compress.export.MANIFEST_FILE, without importing torch
# Requests Triton may hand one execute() call; the engine's own queue bounds the real work.
TRITON_MAX_BATCH = 64


@dataclass(frozen=True)
class TritonEntry:
    name: str  # Triton model name (also the directory name)
    model_path: str  # built-in model name or an absolute model directory
    model_version: str  # Kiln's version string, reported in stats
    instance_count: int = 1
    instance_kind: str = "KIND_CPU"
    engine_max_batch: int = 32
    engine_max_queue: int = 64
    torch_threads: int = 0  # 0: torch's default

    def __post_init__(self) -> None:
        if self.instance_kind not in ("KIND_CPU", "KIND_GPU"):
            raise ValueError(f"instance_kind must be KIND_CPU or KIND_GPU, got {self.instance_kind!r}")
        if self.instance_count < 1:
            raise ValueError(f"instance_count must be >= 1, got {self.instance_count}")
        for text in (self.name, self.model_path, self.model_version):
            if '"' in text or "\\" in text or "\n" in text:
                raise ValueError(f"cannot place {text!r} in a config.pbtxt string")


def render_config(entry: TritonEntry, template_dir: Path = TEMPLATE_DIR) -> str:
    template = Template((template_dir / "config.pbtxt").read_text())
    # substitute (not safe_substitute): a field the template gains but we do not fill is a bug.
    return template.substitute(
        {**{k: str(v) for k, v in asdict(entry).items()}, "max_batch_size": str(TRITON_MAX_BATCH)}
    )


def verify_export(model_dir: Path) -> None:
    """FAILED_PRECONDITION naming the problem when a compressed export is corrupt or unsupported."""
    if not (model_dir / MANIFEST_FILE).exists():
        return
    from kiln_trainer.compress import CompressError
    from kiln_trainer.compress.export import read_manifest

    try:
        manifest = read_manifest(model_dir)
    except CompressError as exc:
        raise FailedPrecondition(f"the export cannot be served: {exc}") from exc
    weights = model_dir / manifest["weights_file"]
    if not weights.is_file():
        raise FailedPrecondition(f"the export cannot be served: weights file {weights.name} is missing")
    h = hashlib.sha256()
    with weights.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if h.hexdigest() != manifest["sha256"]:
        raise FailedPrecondition(
            f"the export cannot be served: {weights.name} has sha256 {h.hexdigest()[:12]}..., "
            f"the manifest records {str(manifest['sha256'])[:12]}...; it is corrupt or was "
            "modified after export"
        )


def write_entry(repository: Path, entry: TritonEntry, template_dir: Path = TEMPLATE_DIR) -> Path:
    """Writes (or replaces) the entry; returns its directory. Blocking (reads the weights)."""
    if Path(entry.model_path).is_absolute():
        verify_export(Path(entry.model_path))
    repository = Path(repository)
    repository.mkdir(parents=True, exist_ok=True)
    final = repository / entry.name
    tmp = repository / f".{entry.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "1").mkdir(parents=True)
    (tmp / "config.pbtxt").write_text(render_config(entry, template_dir))
    shutil.copy2(template_dir / "model.py", tmp / "1" / "model.py")
    # Triton reads the directory only on load, so swapping it in place is safe between loads.
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def remove_entry(repository: Path, name: str) -> None:
    shutil.rmtree(Path(repository) / name, ignore_errors=True)
