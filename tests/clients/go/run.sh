#!/usr/bin/env bash
# Go SDK suite: github.com/scaleway/scaleway-sdk-go (pinned in go.mod/go.sum) against a real
# build/scwd. Usage: tests/clients/go/run.sh [BUILD_DIR]   (default: build)
#
# Each Go package's TestMain starts its own `scwd serve` on a random 127.0.0.1 port with a fresh
# data directory and points the SDK at it through the SCW_* variables it prints.
# Caches: the user's Go module cache (GOMODCACHE, ~/go/pkg/mod) and build cache (GOCACHE,
# ~/.cache/go-build), so a second run downloads and compiles nothing.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
clients_init go-sdk "$@"
require_go "$here"
require_scwd

export SCWD_BIN="$build/scwd"
export GOFLAGS=-mod=readonly
clear_scw_env # the harness clears them too

cd "$here"
go mod download
exec go test -count=1 ./...
