#!/usr/bin/env bash
# Go binding: go vet and go test -race against the freshly built libvenc.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "go not found (tests/setup.sh installs golang-go)"; exit 1; }
(cd "$ROOT" && cargo build --release --locked --quiet)
ln -sf libvenc.so "$ROOT/target/release/libvenc.so.0"
export CGO_ENABLED=1 GOFLAGS=-mod=mod GOTOOLCHAIN=local
go vet ./...
go test -race -count=1 ./...
