#!/usr/bin/env bash
# Shared steps of the client suites' run.sh scripts (sourced, not run):
#   clients_init NAME "$@"       sets $here, $root, $build (absolute) and the suite's name
#   skip WHY...                  prints `SKIP NAME: WHY`; exits 0, or 1 under CI=true
#   require_scwd                 fails (not skips) when $build/scwd was not built
#   require_go MODDIR            skips unless `go` is at least the version MODDIR/go.mod names
#   cached_go_tool MODDIR PKG BIN VERSION
#                                prints the path of BIN built from PKG with MODDIR's pinned
#                                go.mod/go.sum, building it once per version into the user cache
#   clear_scw_env                unsets every SCW_* variable of the caller's environment
#   suite_start NAME SCWD_BIN    for a shell suite: a scratch $tmp removed at exit (kept with
#                                SCWD_KEEP_DATA=1), no inherited SCW_*, a fresh scwd started in it;
#                                on failure prints the runner's closing line and exits 1
#   start_scwd DIR [ARGS...]     starts `$build/scwd serve` on a random 127.0.0.1 port with a fresh
#                                store in DIR/data, sets $scwd_pid and exports the SCW_* it prints;
#                                with SCWD_TEST_PG=postgres://scwd@127.0.0.1:PORT (a throwaway
#                                cluster, scripts/pg-cluster.sh) the store is a fresh database
#                                there ($scwd_db), dropped by suite_cleanup
# Built tools are not made with `go install ...@version`: that also asks the module proxy for the
# list of all versions, which the proxy refuses here (403) for some modules; building the package
# from a pinned wrapper module gives the same binary and is checked by go.sum.

clients_init() {
  suite_name=$1
  here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
  root=$(cd "$here/../../.." && pwd)
  build=${2:-build}
  case "$build" in /*) ;; *) build="$root/$build" ;; esac
}

skip() {
  echo "SKIP $suite_name: $*"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
}

require_scwd() {
  if [ ! -x "$build/scwd" ]; then
    echo "$suite_name: $build/scwd not found (build it first: make build)" >&2
    exit 1
  fi
}

require_go() {
  command -v go >/dev/null 2>&1 || skip "go not found in PATH (needed: Go >= the version in $1/go.mod)"
  export GOTOOLCHAIN=local
  local need have
  need=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$1/go.mod")
  have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    skip "go $have is older than the $need that $1/go.mod needs"
  fi
}

cached_go_tool() {
  local moddir=$1 pkg=$2 bin=$3 ver=$4
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/scwd-clients/$bin-$ver"
  if [ ! -x "$dir/$bin" ]; then
    require_go "$moddir"
    mkdir -p "$dir"
    echo "$suite_name: building $bin $ver into $dir (once; takes a few minutes)" >&2
    (cd "$moddir" && GOFLAGS=-mod=readonly go build -trimpath -o "$dir/$bin.tmp.$$" "$pkg") >&2 ||
      { rm -f "$dir/$bin.tmp.$$"; echo "$suite_name: building $bin $ver failed" >&2; exit 1; }
    mv -f "$dir/$bin.tmp.$$" "$dir/$bin"
  fi
  echo "$dir/$bin"
}

clear_scw_env() {
  # never let a developer's Scaleway settings or config file leak in
  unset $(env | sed -n 's/^\(SCW_[A-Z0-9_]*\)=.*/\1/p') 2>/dev/null || true
}

# psql_pg SQL: runs SQL in the SCWD_TEST_PG cluster (maintenance database `postgres`)
psql_pg() {
  psql "${SCWD_TEST_PG%/}/postgres" -X -q -v ON_ERROR_STOP=1 -c "$1"
}

start_scwd() {
  local dir=$1
  shift
  local store=()
  if [ -n "${SCWD_TEST_PG:-}" ]; then
    # named after the data directory's path, like the SDK harness does
    scwd_db="scwd_$(printf '%s' "$(cd "$dir" && pwd)/data" | sha256sum | cut -c1-12)"
    local err
    if ! err=$(psql_pg "CREATE DATABASE $scwd_db" 2>&1) && [[ $err != *"already exists"* ]]; then
      echo "$suite_name: CREATE DATABASE $scwd_db failed: $err" >&2
      return 1
    fi
    store=(--store "${SCWD_TEST_PG%/}/$scwd_db")
  fi
  # The NATS server Messaging and Queuing accounts start gets a free port of its own.
  local nats_port
  nats_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$build/scwd" serve --listen 127.0.0.1:0 --k8s-listen 127.0.0.1:0 --data "$dir/data" \
    --lifecycle-speed fast "${store[@]}" --nats-listen "127.0.0.1:$nats_port" "$@" \
    >"$dir/scwd.out" 2>"$dir/scwd.err" &
  scwd_pid=$!
  local _
  for _ in $(seq 1 100); do
    grep -q '^scwd: listening on ' "$dir/scwd.out" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -q '^scwd: listening on ' "$dir/scwd.out"; then
    echo "$suite_name: scwd did not start" >&2
    cat "$dir/scwd.err" >&2
    return 1
  fi
  eval "$(grep '^export SCW_' "$dir/scwd.out")"
}

suite_start() {
  suite_name=$1
  build=$(dirname "$2")
  tmp=$(mktemp -d)
  scwd_pid=
  scwd_db=
  trap suite_cleanup EXIT
  clear_scw_env
  start_scwd "$tmp" || { echo "FAIL scwd did not start"; echo "0 passed, 1 failed"; exit 1; }
  export SCW_CONFIG_PATH="$tmp/no-such-config.yaml"
}

suite_cleanup() {
  if [ -n "$scwd_pid" ]; then kill "$scwd_pid" 2>/dev/null; wait "$scwd_pid" 2>/dev/null; fi
  if [ -z "${SCWD_KEEP_DATA:-}" ]; then
    rm -rf "$tmp"
    if [ -n "${scwd_db:-}" ]; then psql_pg "DROP DATABASE IF EXISTS $scwd_db WITH (FORCE)" >/dev/null 2>&1; fi
  else
    echo "data kept in $tmp"
  fi
}
