#!/usr/bin/env bash
# The quality gate: lint, formatting, and mypy against a baseline that may only shrink.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python scripts/mypy_gate.py
