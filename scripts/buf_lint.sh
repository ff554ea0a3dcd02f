#!/usr/bin/env bash
# Lint every .proto under protos/ with the buf version pinned in package-lock.json.
# Usage: bash scripts/buf_lint.sh   (CI calls this; rules and exceptions live in buf.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."

# `npm ci` installs exactly the locked buf; skip it when that version is already installed.
want=$(node -p 'require("./package-lock.json").packages["node_modules/@bufbuild/buf"].version')
have=$(node -p 'try { require("./node_modules/@bufbuild/buf/package.json").version } catch { "" }')
if [[ "$have" != "$want" ]]; then
  npm ci --no-audit --no-fund
fi

npx --no-install buf lint "$@"
echo "buf lint: OK"
