#!/usr/bin/env bash
# scw CLI suite: the official `scw` (github.com/scaleway/scaleway-cli/v2, pinned in tool/go.mod +
# tool/go.sum) runs real commands against a real build/scwd.
# Usage: tests/clients/cli/run.sh [BUILD_DIR]   (default: build)
#
# The binary is built once per version into ${XDG_CACHE_HOME:-~/.cache}/scwd-clients/scw-<ver>/
# and reused. `go install ...@<ver>` is not used: it also asks the module proxy for the list of
# all versions (to print deprecations), which the proxy refuses here (403); building the package
# from the pinned wrapper module in tool/ gives the same binary and is checked by go.sum.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac

skip() {
  echo "SKIP scw-cli: $*"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
}

if [ ! -x "$build/scwd" ]; then
  echo "scw-cli: $build/scwd not found (build it first: cmake --build build)" >&2
  exit 1
fi
command -v python3 >/dev/null 2>&1 || skip "python3 not found (used to read the JSON output)"

ver=$(sed -n 's#^require github.com/scaleway/scaleway-cli/v2 \(v[0-9.]*\)$#\1#p' "$here/tool/go.mod")
[ -n "$ver" ] || { echo "scw-cli: no pinned version in tool/go.mod" >&2; exit 1; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/scwd-clients/scw-$ver"
scw="$cache/scw"

if [ ! -x "$scw" ]; then
  command -v go >/dev/null 2>&1 || skip "go not found in PATH (needed once to build scw $ver)"
  export GOTOOLCHAIN=local
  need=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$here/tool/go.mod")
  have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    skip "go $have is older than the $need scw $ver needs"
  fi
  mkdir -p "$cache"
  echo "scw-cli: building scw $ver into $cache (once; takes a few minutes)"
  (cd "$here/tool" && GOFLAGS=-mod=readonly go build -trimpath -o "$scw.tmp.$$" \
    github.com/scaleway/scaleway-cli/v2/cmd/scw)
  mv -f "$scw.tmp.$$" "$scw"
fi

exec bash "$here/suite.sh" "$build/scwd" "$scw"
