"""The checked-in TypeScript, Go, C++ and Java code under clients/*/gen matches protos/ exactly.

Runs scripts/gen_clients.py's own check (buf generate with buf.gen.yaml into a temporary
directory), so the test and the regeneration command agree on what "fresh" means. Needs the
client toolchains (bash scripts/install_client_toolchains.sh); without them it fails, it does not
skip: a contract change must never leave one language's code behind unnoticed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load("gen_clients")


def test_checked_in_client_code_is_fresh() -> None:
    stale = gen.stale_files()
    assert not stale, f"stale generated client code {stale[:10]}; regenerate with: python scripts/gen_clients.py"


def test_every_language_has_every_kiln_proto() -> None:
    protos = sorted(p.stem for p in (REPO_ROOT / "protos" / "kiln" / "v1").glob("*.proto"))
    for stem in protos:
        assert (REPO_ROOT / f"clients/typescript/src/gen/kiln/v1/{stem}.ts").is_file(), stem
        assert (REPO_ROOT / f"clients/go/gen/kiln/v1/{stem}.pb.go").is_file(), stem
        assert (REPO_ROOT / f"clients/cpp/gen/kiln/v1/{stem}.pb.cc").is_file(), stem
        java_outer = "".join(part.capitalize() for part in stem.split("_")) + "Proto.java"
        assert (REPO_ROOT / "clients/java/gen/kiln/v1" / java_outer).is_file(), stem


def test_status_details_are_generated_where_no_package_ships_them() -> None:
    # See buf.gen.yaml: TypeScript and C++ get google.rpc from here; Go and Java use the
    # genproto / proto-google-common-protos classes their gRPC packages are built against.
    assert (REPO_ROOT / "clients/typescript/src/gen/google/rpc/error_details.ts").is_file()
    assert (REPO_ROOT / "clients/cpp/gen/google/rpc/error_details.pb.h").is_file()
    assert not (REPO_ROOT / "clients/go/gen/google").exists()
    assert not (REPO_ROOT / "clients/java/gen/com/google/rpc").exists()
