#!/usr/bin/env bash
# Go SDK suite: github.com/scaleway/scaleway-sdk-go (pinned in go.mod/go.sum) against a real
# build/scwd. Usage: tests/clients/go/run.sh [BUILD_DIR]   (default: build)
#
# Each Go package's TestMain starts its own `scwd serve` on a random 127.0.0.1 port with a fresh
# data directory and points the SDK at it through the SCW_* variables it prints.
# Caches: the user's Go module cache (GOMODCACHE, ~/go/pkg/mod) and build cache (GOCACHE,
# ~/.cache/go-build), so a second run downloads and compiles nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac

skip() {
  echo "SKIP go-sdk: $*"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
}

command -v go >/dev/null 2>&1 || skip "go not found in PATH (Go >= 1.26 is needed)"
export GOTOOLCHAIN=local
need=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$here/go.mod")
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
  skip "go $have is older than the $need the pinned SDK needs"
fi

if [ ! -x "$build/scwd" ]; then
  echo "go-sdk: $build/scwd not found (build it first: cmake --build build)" >&2
  exit 1
fi

export SCWD_BIN="$build/scwd"
export GOFLAGS=-mod=readonly
# never let a developer's Scaleway settings or config file leak in (the harness clears them too)
unset $(env | sed -n 's/^\(SCW_[A-Z0-9_]*\)=.*/\1/p') 2>/dev/null || true

cd "$here"
go mod download
exec go test -count=1 ./...
