#!/usr/bin/env bash
# Installs what the TypeScript, Go, C++ and Java clients need to build, regenerate and run their
# end-to-end tests (tests/e2e/clients): Debian packages, then the locked npm packages (root: buf
# and ts-proto; clients/typescript: grpc-js and typescript). Idempotent: packages already
# present are not fetched again. Fails loudly: any missing tool ends the script non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # Go: the compiler and the gRPC / protobuf / genproto sources, built offline (GOPATH mode).
  golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-google-genproto-dev
  protoc-gen-go protoc-gen-go-grpc
  # grpc-go marshals through github.com/golang/protobuf; only its 1.5 line (a shim over
  # google.golang.org/protobuf) handles messages from today's protoc-gen-go. It replaces 1.3.
  golang-github-golang-protobuf-1-5-dev
  # C++: gRPC and protobuf headers and libraries, the code generators, the build tools.
  g++ cmake ninja-build ccache pkg-config libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # Java: Debian's jars (no Maven) and the gRPC code generator.
  libgrpc-java protobuf-compiler-grpc-java-plugin libprotobuf-java
  libgoogle-common-protos-java libnetty-java libperfmark-java libgoogle-gson-java libguava-java
  libgeronimo-annotation-1.3-spec-java
)
# A JDK and Node may come from elsewhere than Debian (the machine image, nodesource): only
# install Debian's when the command is missing.
command -v javac >/dev/null || packages+=(default-jdk-headless)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Root: the pinned buf and ts-proto (code generation, proto lint).
want=$(node -p 'require("./package-lock.json").packages["node_modules/ts-proto"].version')
have=$(node -p 'try { require("./node_modules/ts-proto/package.json").version } catch { "" }')
if [[ "$want" != "$have" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The TypeScript client's own dependencies.
bash clients/typescript/build.sh --deps-only

for tool in go protoc-gen-go protoc-gen-go-grpc protoc grpc_cpp_plugin grpc_java_plugin cmake ninja g++ javac java node npm; do
  command -v "$tool" >/dev/null || { echo "error: $tool is still missing after the install" >&2; exit 1; }
done
[[ -x node_modules/.bin/buf && -x node_modules/.bin/protoc-gen-ts_proto ]] || { echo "error: npm ci did not install buf/ts-proto" >&2; exit 1; }
echo "client toolchains: OK"
