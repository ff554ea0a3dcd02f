#!/usr/bin/env bash
# Configures (once) and builds the C++ client into build/: the generated code as one static
# library, the wrapper, build/flow (the README example) and build/conformance. Incremental,
# and compiled through ccache when it is installed, so a rebuild of unchanged code is quick.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE= >/dev/null
fi
cmake --build build -- -j"$(nproc)"
