#!/usr/bin/env bash
# Runs a class of the built client with the classpath build.sh uses: bash run.sh kiln.examples.Flow train.jsonl
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
classpath=$(cd "$here" && bash build.sh --classpath)
exec java -XX:TieredStopAtLevel=1 -Xshare:auto -cp "${classpath//build\/classes/$here/build/classes}" "$@"
