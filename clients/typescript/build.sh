#!/usr/bin/env bash
# Installs the locked dependencies (only when they changed) and compiles src/, examples/ and
# test/ into dist/ (incremental: an unchanged tree compiles in about a second).
set -euo pipefail
cd "$(dirname "$0")"
# node_modules/.kiln-lock is the lock file the installed tree came from.
if ! cmp -s package-lock.json node_modules/.kiln-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.kiln-lock
fi
if [[ "${1:-}" == "--deps-only" ]]; then exit 0; fi
npx --no-install tsc -p .
