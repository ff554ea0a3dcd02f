#!/usr/bin/env bash
# Creates .venv, installs Kiln as README command 1 does, lints the protos and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The same install as README command 1 (the Triton tests run its real tritonserver).
bash scripts/install.sh
# Toolchains of the TypeScript, Go, C++ and Java clients (apt + npm); their tests fail, not skip,
# without them.
bash scripts/install_client_toolchains.sh
bash scripts/buf_lint.sh
# ruff check, ruff format --check, and mypy against its only-shrinking baseline.
bash scripts/quality.sh
# Every CUDA kernel must compile for sm_80 and sm_90 wherever nvcc exists (it cannot run here).
if command -v nvcc >/dev/null; then bash scripts/check_kernels.sh; fi
export GRPC_VERBOSITY=ERROR
# Two workers overlap the e2e tests' waiting (Ray, Serve and gateway start-up); see docs/decisions.md.
# The client-language tests run after them, alone: their cold C++/Java/Go/TypeScript builds beside
# two workers' Ray instances and training runs exhaust a 24 GiB machine's memory.
status=0
.venv/bin/python -m pytest -q -n 2 --dist loadgroup --durations=15 tests --ignore=tests/e2e/clients || status=$?
.venv/bin/python -m pytest -q --durations=5 tests/e2e/clients || status=$?
exit "$status"
