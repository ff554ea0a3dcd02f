#!/usr/bin/env bash
# Builds bin/flow (the README example) and bin/conformance, and runs the package tests, offline:
# GOPATH mode over Debian's Go sources in /usr/share/gocode (golang-google-grpc-dev,
# golang-google-protobuf-dev, golang-google-genproto-dev). Go's build cache makes a rebuild of
# unchanged code take about a second.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
gopath=$here/build/gopath
mkdir -p "$gopath/src/kiln/clients" bin
ln -sfn "$here" "$gopath/src/kiln/clients/go"
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off
cd "$gopath/src/kiln/clients/go"
unformatted=$(gofmt -l kiln examples test)
if [[ -n "$unformatted" ]]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi
go vet ./kiln ./examples/... ./test/...
go test ./kiln
go build -o "$here/bin/flow" ./examples/flow
go build -o "$here/bin/conformance" ./test/conformance
