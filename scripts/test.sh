#!/usr/bin/env bash
# Creates .venv, installs Kiln with its dev extras, lints the protos and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q -U pip
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e '.[dev]'
# Only for its bundled tritonserver binary (the Triton tests run a real server). --no-deps: its
# pins (numpy<2, protobuf<7) would downgrade what Kiln itself needs.
.venv/bin/pip install -q --no-deps nvidia-pytriton==0.7.0
if command -v npm >/dev/null; then bash scripts/buf_lint.sh; fi
# Every CUDA kernel must compile for sm_80 and sm_90 wherever nvcc exists (it cannot run here).
if command -v nvcc >/dev/null; then bash scripts/check_kernels.sh; fi
export GRPC_VERBOSITY=ERROR
.venv/bin/python -m pytest -q tests
