#!/usr/bin/env bash
# Creates .venv and installs Kiln with everything the README's "Using it" lines need: the CPU
# build of torch, Kiln with its dev extras, and the tritonserver binary for `--target triton`.
# README command 1 and scripts/test.sh both run this, so users and tests get the same install.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
# --no-compile: byte-compiling all ~18,000 modules (ray, transformers, torch, ...) costs over a
# minute of a 2-core machine; Python compiles the ones it imports on first use and keeps them.
pip=(.venv/bin/pip install -q --no-compile)
# The CPU build on disk (pyproject.toml pins the same); installed first so nothing pulls CUDA.
"${pip[@]}" torch==2.13.0
"${pip[@]}" -e '.[dev]'
# Only for its bundled tritonserver binary. --no-deps: its pins (numpy<2, protobuf<7) would
# downgrade what Kiln needs. `kiln` prints this same command when a gateway lacks it.
"${pip[@]}" --no-deps nvidia-pytriton==0.7.0
