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

if [[ "${BENCH_USE_RUNNING:-0}" != 1 ]]; then
  "$SCWD" serve --listen 127.0.0.1:0 --data "$tmp/data" --log-level warn \
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

run() {  # name, wrk args...
  local name=$1
  shift
  local cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H '$(echo "$AUTH" | sed 's/: .*/: $SCW_SECRET_KEY/')' $*"
  echo "== $name: $cmd" >&2
  local res
  res=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "$@")
  echo "$res" >&2
  local rps p50 p99 non2xx
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$res" | awk '/Non-2xx/ {print $NF}')
  printf '| %s | %s | %s | %s | %s | `%s` |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$cmd" >>"$tmp/rows"
}

: >"$tmp/rows"
run "GET one project" "$URL/account/v3/projects/$PROJECT"
run "list 20 projects" "$URL/account/v3/projects?page_size=20"
run "create project (durable)" -s bench/post.lua -H 'Content-Type: application/json' "$URL/account/v3/projects"

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
python3 - "$OUT" "$section" <<'PY'
import sys, re, pathlib
path, section = pathlib.Path(sys.argv[1]), sys.argv[2]
text = path.read_text() if path.exists() else "# Benchmarks\n\nNumbers from the scripts in `bench/`; each section says the command that produced it.\n"
pattern = re.compile(r"## Account v3 / HTTP core \(bench/http.sh\).*?(?=\n## |\Z)", re.S)
text = pattern.sub(lambda m: section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section.rstrip() + "\n"
path.write_text(text)
PY
echo "results written to $OUT" >&2
