#!/usr/bin/env bash
# The bench/instance.sh workloads (GET one server, list 20 security groups, durable creates) on
# the embedded SQLite store, on PostgreSQL with one replica, and on PostgreSQL with one and two
# replicas behind an nginx round-robin split (the proxy hop costs the same in both of those rows),
# in one run, bounded in time (DURATION per workload). PostgreSQL is a throwaway cluster
# (scripts/pg-cluster.sh --durable: fsync and synchronous commit on), everything on loopback.
# Writes the table and the commands to docs/benchmarks.md (section "PostgreSQL and replicas").
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
OUT=${OUT:-docs/benchmarks.md}
SCWD=${SCWD:-build/scwd}
NGINX=${NGINX:-/usr/sbin/nginx}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-deps.sh"; exit 1; }
[[ -x $NGINX ]] || { echo "nginx is missing: run scripts/install-deps.sh"; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"  # the cluster runs as an unprivileged user
# shellcheck source=bench/lib.sh
source bench/lib.sh
cleanup() {
  stop_scwds
  [[ -f "$tmp/nginx.pid" ]] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
  scripts/pg-cluster.sh stop "$tmp/pg" >/dev/null 2>&1 || true
  sleep 0.2
  rm -rf "$tmp"
}
trap cleanup EXIT

workloads() {  # LABEL URL
  local z=$2/instance/v1/zones/fr-par-1 auth="X-Auth-Token: $SCW_SECRET_KEY"
  # The creates of the previous phase grew the tables by thousands of rows in seconds: statistics
  # are brought up to date first, as autovacuum does within a minute, so that each phase measures
  # steady plans rather than plans made for an empty table.
  [[ -n "${pg:-}" ]] && psql "$pg/bench" -qXc 'ANALYZE' >/dev/null
  wrk_row "$1/get" "$1: GET one server" -H "$auth" "$z/servers/$SERVER"
  wrk_row "$1/list" "$1: list 20 security groups" -H "$auth" "$z/security_groups?per_page=20"
  wrk_row "$1/create" "$1: create security group (durable)" -H "$auth" \
    -H 'Content-Type: application/json' -s bench/sg.lua "$z/security_groups"
}

# nginx_split PORT UPSTREAM-URL...: nginx on 127.0.0.1:PORT spreading requests round-robin over
# the given servers, with kept-alive upstream connections.
nginx_split() {
  local port=$1
  shift
  [[ -f "$tmp/nginx.pid" ]] && kill "$(cat "$tmp/nginx.pid")" && sleep 0.5
  mkdir -p "$tmp/nginx"
  {
    echo "worker_processes 1; pid $tmp/nginx.pid; error_log $tmp/nginx/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx;"
    echo "  upstream scwd {"
    for u in "$@"; do echo "    server ${u#http://};"; done
    echo "    keepalive 64; }"
    echo "  server { listen 127.0.0.1:$port; location / { proxy_pass http://scwd;"
    echo "    proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }"
  } >"$tmp/nginx/nginx.conf"
  "$NGINX" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx"
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
}

: >"$tmp/rows"
# 1. The embedded store.
start_scwd sqlite
seed_instance "$(url_of sqlite)"
workloads "SQLite" "$(url_of sqlite)"
stop_scwds

# 2. PostgreSQL, one replica (the credentials of the SQLite run are in the environment now).
pg=$(scripts/pg-cluster.sh start "$tmp/pg" --durable)
scripts/pg-cluster.sh createdb "$pg" bench
start_scwd pg1 --store "$pg/bench"
seed_instance "$(url_of pg1)"
workloads "PostgreSQL, 1 replica" "$(url_of pg1)"

# 3. One, then two replicas on that database behind nginx.
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nginx_split "$nport" "$(url_of pg1)"
workloads "PostgreSQL, 1 replica via nginx" "http://127.0.0.1:$nport"
start_scwd pg2 --store "$pg/bench"
nginx_split "$nport" "$(url_of pg1)" "$(url_of pg2)"
workloads "PostgreSQL, 2 replicas via nginx" "http://127.0.0.1:$nport"

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
pgv=$(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}')
section=$(cat <<MD
## PostgreSQL and replicas (bench/replicas.sh)

Measured $(date -u +%Y-%m-%d) on $machine; scwd $("$SCWD" --version 2>/dev/null | awk '{print $2}'),
PostgreSQL $pgv (a throwaway cluster on loopback with fsync and synchronous commit on: every
acknowledged create is durable), $("$NGINX" -v 2>&1 | sed 's/.*: //') (one worker) as the round-robin split, wrk;
everything on the same machine. Command: \`DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS bench/replicas.sh\`.

- GET one server: PostgreSQL costs **$(ratio "${RPS[SQLite/get]}" "${RPS[PostgreSQL, 1 replica/get]}")x** SQLite's time per request (goal: within 2x).
- list 20 security groups: **$(ratio "${RPS[SQLite/list]}" "${RPS[PostgreSQL, 1 replica/list]}")x**.
- Two replicas vs one behind the same split, GET: **$(ratio "${RPS[PostgreSQL, 2 replicas via nginx/get]}" "${RPS[PostgreSQL, 1 replica via nginx/get]}")x** the requests per second.
- Durable creates on PostgreSQL, one replica: **${RPS[PostgreSQL, 1 replica/create]}/s** (goal: above 5,000/s).

| workload | requests/s | p50 | p99 | non-2xx | wrk command |
| --- | ---: | ---: | ---: | ---: | --- |
$(cat "$tmp/rows")
MD
)
replace_section "$OUT" 'PostgreSQL and replicas \(bench/replicas.sh\)' "$section"
echo "results written to $OUT" >&2
