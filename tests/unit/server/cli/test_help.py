"""Every command of the `kiln` tree answers --help with exit status 0 (the tree is walked, not listed)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from kiln_server.cli import app

runner = CliRunner()


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of this command and of every command below it."""
    out = [prefix]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        out += _paths(sub, (*prefix, name))
    return out


PATHS = _paths(typer.main.get_command(app))


def test_the_walk_reaches_every_noun_and_leaf():
    tops = {path[0] for path in PATHS if path}
    assert tops == {
        "serve",
        "admin",
        "datasets",
        "jobs",
        "models",
        "sample",
        "sample-images",
        "feedback",
        "eval",
        "sweeps",
        "demo",
    }
    for leaf in (
        ("admin", "keys", "revoke"),
        ("feedback", "export"),
        ("eval", "watch"),
        ("models", "export"),
        ("jobs", "create"),
    ):
        assert leaf in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "kiln")
def test_help(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
