"""Regenerate the Python gRPC code for every protos/kiln/v1/*.proto.

    python scripts/gen_protos.py            # rewrite clients/python/kiln/v1/
    python scripts/gen_protos.py --check    # exit 1 and list stale files; writes nothing

Outputs (per proto `<name>.proto`): `<name>_pb2.py`, `<name>_pb2.pyi` and `<name>_pb2_grpc.py` in
clients/python/kiln/v1/, plus that package's `__init__.py`. With clients/python on sys.path the
generated modules import each other as `from kiln.v1 import common_pb2`.

Both modes generate into a temporary directory first, so `--check` and a real run compare the
very same bytes, and a failed protoc run never leaves a half-written package behind. Output is
byte-for-byte reproducible for a given grpcio-tools version (pinned in pyproject.toml): protoc
gets sorted, root-relative proto paths, so neither file order nor the checkout location leaks in.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.metadata
import importlib.resources
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "protos"
OUT_ROOT = REPO_ROOT / "clients" / "python"
# Package directory of the API, relative to both PROTO_ROOT and OUT_ROOT.
PACKAGE_DIR = Path("kiln") / "v1"

# Suffixes of the files protoc writes for one proto; anything in the output package with one of
# these suffixes is owned by this script (and deleted when its proto is gone).
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")

INIT_PY = '''"""Generated gRPC code for the kiln.v1 API.

Do not edit: regenerate with `python scripts/gen_protos.py`.

Submodules are not imported here, so importing one service's stubs stays cheap:
`from kiln.v1 import sampling_pb2, sampling_pb2_grpc`.
"""
'''


class ProtocError(RuntimeError):
    """protoc rejected the protos (its own messages are already on stderr)."""


def proto_files(proto_root: Path = PROTO_ROOT) -> list[str]:
    """The API's .proto files as protoc import paths ("kiln/v1/x.proto"), sorted."""
    protos = (proto_root / PACKAGE_DIR).glob("*.proto")
    return sorted(p.relative_to(proto_root).as_posix() for p in protos)


def generate(out_root: Path, proto_root: Path = PROTO_ROOT) -> None:
    """Run protoc for every API proto, writing the package under `out_root/kiln/v1/`."""
    # Imported here, not at module import, so `--help` and tests that only list files stay fast.
    from grpc_tools import protoc  # type: ignore[import-untyped]  # ships no type stubs

    files = proto_files(proto_root)
    if not files:
        raise ProtocError(f"no .proto files under {proto_root / PACKAGE_DIR}")
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    (out_root / PACKAGE_DIR).mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{proto_root}",
        f"-I{well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        # Root-relative import paths, not absolute file paths: see the module docstring.
        *files,
    ]
    code = protoc.main(args)
    if code != 0:
        raise ProtocError(f"protoc failed with exit code {code}")
    (out_root / PACKAGE_DIR / "__init__.py").write_text(INIT_PY, encoding="utf-8", newline="\n")


def owned_files(package_dir: Path) -> set[str]:
    """Names of the files in `package_dir` that this script generates and may overwrite."""
    if not package_dir.is_dir():
        return set()
    return {
        p.name
        for p in package_dir.iterdir()
        if p.is_file() and (p.name == "__init__.py" or p.name.endswith(GENERATED_SUFFIXES))
    }


def stale_files(out_root: Path = OUT_ROOT, proto_root: Path = PROTO_ROOT) -> list[str]:
    """Paths (relative to `out_root`) whose checked-in content differs from a fresh generation.

    A file is stale when it is missing, differs byte for byte, or is a generated-looking file
    whose proto no longer exists. An empty list means the checked-in code is current.
    """
    with tempfile.TemporaryDirectory(prefix="kiln-protos-") as tmp:
        fresh_dir = Path(tmp) / PACKAGE_DIR
        generate(Path(tmp), proto_root)
        return _diff(fresh_dir, out_root / PACKAGE_DIR)


def _diff(fresh_dir: Path, current_dir: Path) -> list[str]:
    fresh, current = owned_files(fresh_dir), owned_files(current_dir)
    stale = [
        name
        for name in sorted(fresh | current)
        if name not in fresh
        or name not in current
        or not filecmp.cmp(fresh_dir / name, current_dir / name, shallow=False)
    ]
    return [(PACKAGE_DIR / name).as_posix() for name in stale]


def write(out_root: Path = OUT_ROOT, proto_root: Path = PROTO_ROOT) -> list[str]:
    """Bring `out_root/kiln/v1/` up to date; returns the paths it changed or removed."""
    target = out_root / PACKAGE_DIR
    with tempfile.TemporaryDirectory(prefix="kiln-protos-") as tmp:
        fresh_dir = Path(tmp) / PACKAGE_DIR
        generate(Path(tmp), proto_root)
        changed = _diff(fresh_dir, target)
        target.mkdir(parents=True, exist_ok=True)
        fresh = owned_files(fresh_dir)
        for name in owned_files(target) - fresh:
            (target / name).unlink()
        for name in fresh:
            dst = target / name
            if not dst.exists() or not filecmp.cmp(fresh_dir / name, dst, shallow=False):
                shutil.copyfile(fresh_dir / name, dst)
    return changed


def _display(path: Path) -> str:
    """`path` relative to the repository when it is inside it, for shorter messages."""
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary directory and exit 1 if checked-in code is stale",
    )
    args = parser.parse_args(argv)
    # Module globals are read here, not bound as defaults, so tests can point them elsewhere.
    out_root, proto_root = OUT_ROOT, PROTO_ROOT
    shown = _display(out_root / PACKAGE_DIR)
    try:
        if args.check:
            stale = stale_files(out_root, proto_root)
        else:
            changed = write(out_root, proto_root)
    except ProtocError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if stale:
            tools = importlib.metadata.version("grpcio-tools")
            print(f"stale generated code in {shown} (run: python scripts/gen_protos.py):")
            for path in stale:
                print(f"  {_display(out_root / path)}")
            # The generated files embed the generator's version, so a different grpcio-tools
            # than the pinned one makes every file look stale.
            print(f"(compared with output of grpcio-tools {tools})")
            return 1
        print(f"generated code in {shown} is up to date")
        return 0
    print(f"{len(changed)} file(s) written or removed in {shown}")
    for path in changed:
        print(f"  {_display(out_root / path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
