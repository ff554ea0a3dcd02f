"""The checked-in generated code in clients/python/kiln/v1 matches protos/ exactly.

Uses scripts/gen_protos.py itself (the --check logic), so the test and the regeneration
command can never disagree about what "fresh" means.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
FIX_HINT = "regenerate with: python scripts/gen_protos.py"


def _load_generator() -> ModuleType:
    # scripts/ is not a package; load the script as a module by path.
    spec = importlib.util.spec_from_file_location("gen_protos", REPO_ROOT / "scripts" / "gen_protos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_checked_in_generated_code_is_fresh() -> None:
    stale = gen.stale_files()
    assert not stale, f"stale or missing generated files {stale}; {FIX_HINT}"


def test_every_proto_has_generated_modules() -> None:
    package = REPO_ROOT / "clients" / "python" / "kiln" / "v1"
    names = [Path(p).stem for p in gen.proto_files()]
    assert "common" in names
    for name in names:
        for suffix in gen.GENERATED_SUFFIXES:
            assert (package / f"{name}{suffix}").is_file(), f"{name}{suffix} missing; {FIX_HINT}"
    assert (package / "__init__.py").is_file()


def test_generated_stubs_import_as_kiln_v1() -> None:
    # A fresh interpreter with only clients/python added: the way clients and the server import
    # the stubs, and the protobuf runtime's gencode-version check runs on import.
    modules = [f"kiln.v1.{Path(p).stem}_pb2_grpc" for p in gen.proto_files()]
    code = (
        "import importlib, sys; sys.path.insert(0, 'clients/python'); "
        f"[importlib.import_module(m) for m in {modules!r}]"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def scratch_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of protos/ and a freshly generated output tree, both under tmp_path."""
    proto_root = tmp_path / "protos"
    shutil.copytree(REPO_ROOT / "protos", proto_root)
    out_root = tmp_path / "out"
    gen.write(out_root, proto_root)
    return proto_root, out_root


def test_check_reports_edited_missing_and_orphaned_files(scratch_tree: tuple[Path, Path]) -> None:
    proto_root, out_root = scratch_tree
    package = out_root / "kiln" / "v1"
    assert gen.stale_files(out_root, proto_root) == []

    with (package / "sampling_pb2.py").open("a") as f:
        f.write("# hand edit\n")
    (package / "feedback_pb2_grpc.py").unlink()
    (package / "removed_pb2.py").write_text("# left over from a deleted proto\n")
    (package / "README.md").write_text("not generated, so not checked\n")

    assert gen.stale_files(out_root, proto_root) == [
        "kiln/v1/feedback_pb2_grpc.py",
        "kiln/v1/removed_pb2.py",
        "kiln/v1/sampling_pb2.py",
    ]
    gen.write(out_root, proto_root)
    assert gen.stale_files(out_root, proto_root) == []
    assert not (package / "removed_pb2.py").exists()
    assert (package / "README.md").exists()


def test_check_reports_a_changed_proto(scratch_tree: tuple[Path, Path]) -> None:
    proto_root, out_root = scratch_tree
    common = proto_root / "kiln" / "v1" / "common.proto"
    common.write_text(common.read_text() + "\n// Added to test staleness.\nmessage FreshnessProbe {}\n")
    stale = gen.stale_files(out_root, proto_root)
    assert "kiln/v1/common_pb2.py" in stale
    assert "kiln/v1/common_pb2.pyi" in stale


def test_check_mode_exit_codes(
    scratch_tree: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    proto_root, out_root = scratch_tree
    monkeypatch.setattr(gen, "PROTO_ROOT", proto_root)
    monkeypatch.setattr(gen, "OUT_ROOT", out_root)
    assert gen.main(["--check"]) == 0

    (out_root / "kiln" / "v1" / "jobs_pb2.pyi").unlink()
    assert gen.main(["--check"]) == 1
    assert "jobs_pb2.pyi" in capsys.readouterr().out
    assert not (out_root / "kiln" / "v1" / "jobs_pb2.pyi").exists(), "--check must not write"


def test_protoc_error_exits_2_and_writes_nothing(
    scratch_tree: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proto_root, out_root = scratch_tree
    (proto_root / "kiln" / "v1" / "broken.proto").write_text('syntax = "proto3";\nmessage {\n')
    before = {p.name: p.read_bytes() for p in (out_root / "kiln" / "v1").iterdir()}
    monkeypatch.setattr(gen, "PROTO_ROOT", proto_root)
    monkeypatch.setattr(gen, "OUT_ROOT", out_root)
    assert gen.main([]) == 2
    after = {p.name: p.read_bytes() for p in (out_root / "kiln" / "v1").iterdir()}
    assert after == before
