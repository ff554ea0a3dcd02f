#!/usr/bin/env bash
# Compiles the generated code, the client, the example and the conformance runner into
# build/classes with javac and Debian's jars (libgrpc-java, libprotobuf-java,
# libgoogle-common-protos-java and their dependencies; no Maven). Skipped when no source
# changed since the last build. `bash build.sh --classpath` prints the runtime classpath.
set -euo pipefail
cd "$(dirname "$0")"
jars=(grpc-api grpc-context grpc-core grpc-netty grpc-protobuf grpc-protobuf-lite grpc-stub protobuf protobuf-util
  proto-google-common-protos guava gson perfmark-api jsr305 error_prone_annotations geronimo-annotation-1.3-spec
  netty-buffer netty-codec netty-codec-http netty-codec-http2 netty-codec-socks netty-common netty-handler
  netty-handler-proxy netty-resolver netty-transport netty-transport-native-unix-common)
classpath=build/classes
for jar in "${jars[@]}"; do
  [[ -f /usr/share/java/$jar.jar ]] || { echo "missing /usr/share/java/$jar.jar: run scripts/install_client_toolchains.sh" >&2; exit 1; }
  classpath+=":/usr/share/java/$jar.jar"
done
if [[ "${1:-}" == "--classpath" ]]; then
  echo "$classpath"
  exit 0
fi
mkdir -p build/classes
stamp=build/classes/.stamp
if [[ -f $stamp ]] && [[ -z "$(find gen src examples test build.sh -newer "$stamp" -type f | head -1)" ]]; then
  exit 0
fi
find gen src examples test -name '*.java' > build/sources.txt
javac -nowarn -encoding UTF-8 -d build/classes -cp "$classpath" @build/sources.txt
touch "$stamp"
