#!/usr/bin/env bash
# HTTP benchmarks of scwd with wrk, on loopback only, bounded in time (DURATION per workload).
# Starts its own scwd on a free port with a fresh data directory (or uses SCW_API_URL and
# SCW_SECRET_KEY of a running one when BENCH_USE_RUNNING=1), runs the workloads, and writes the
# results with the exact commands to docs/benchmarks.md (section "Account v3 / HTTP core").
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
OUT=${OUT:-docs/benchmarks.md}
SCWD=${SCWD:-build/scwd}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-deps.sh"; exit 1; }

tmp=$(mktemp -d)
cleanup() {
  [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source bench/lib.sh

if [[ "${BENCH_USE_RUNNING:-0}" != 1 ]]; then
  "$SCWD" serve --listen 127.0.0.1:0 --k8s-listen 127.0.0.1:0 --data "$tmp/data" --log-level warn \
    --quota-projects 100000000 >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 1 100); do grep -q '^scwd: listening on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^scwd: listening on' "$tmp/out" || { cat "$tmp/err"; exit 1; }
  # shellcheck disable=SC1090
  source <(grep '^export ' "$tmp/out")
fi
URL=$SCW_API_URL
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
PROJECT=$(curl -sf -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"name":"bench-target","description":"GET target"}' "$URL/account/v3/projects" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 19); do
  curl -sf -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench-list-$i\"}" "$URL/account/v3/projects"
done

: >"$tmp/rows"
wrk_row get "GET one project" -H "$AUTH" "$URL/account/v3/projects/$PROJECT"
wrk_row list "list 20 projects" -H "$AUTH" "$URL/account/v3/projects?page_size=20"
wrk_row create "create project (durable)" -H "$AUTH" -s bench/post.lua \
  -H 'Content-Type: application/json' "$URL/account/v3/projects"

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
section=$(cat <<MD
## Account v3 / HTTP core (bench/http.sh)

Measured $(date -u +%Y-%m-%d) on $machine; scwd $("$SCWD" --version 2>/dev/null | awk '{print $2}') with the
embedded SQLite store (WAL, synchronous=NORMAL), access log off (\`--log-level warn\`), wrk and
scwd on the same machine over loopback. Command: \`DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS bench/http.sh\`.

| workload | requests/s | p50 | p99 | non-2xx | wrk command |
| --- | ---: | ---: | ---: | ---: | --- |
$(cat "$tmp/rows")
MD
)
replace_section "$OUT" 'Account v3 / HTTP core \(bench/http.sh\)' "$section"
echo "results written to $OUT" >&2
