#!/usr/bin/env bash
# Instance benchmarks with wrk on loopback, bounded in time (DURATION per workload), next to an
# nginx static-file baseline serving a server-sized JSON file in the same run:
#   GET one server, list 20 security groups, create a security group (durable), nginx GET.
# Starts its own scwd (fresh data directory, quotas raised) and its own nginx (Debian's, bound to
# 127.0.0.1, stopped on exit), then writes the results and the exact commands to
# docs/benchmarks.md (section "Instance v1 vs nginx").
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
cleanup() {
  [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ -f "$tmp/nginx.pid" ]] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
  sleep 0.2
  rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
source bench/lib.sh
start_scwd data
pid=${scwd_pids[data]}
URL=$SCW_API_URL
Z=$URL/instance/v1/zones/fr-par-1
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
CT='Content-Type: application/json'
export BENCH_PROJECT=$SCW_DEFAULT_PROJECT_ID
seed_instance "$URL"

# nginx baseline: the same server JSON as a static file.
mkdir -p "$tmp/www" "$tmp/nginx"
chmod 755 "$tmp" "$tmp/www"  # nginx workers run as an unprivileged user
curl -sf -H "$AUTH" "$Z/servers/$SERVER" >"$tmp/www/server.json"
chmod 644 "$tmp/www/server.json"
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx;
  proxy_temp_path $tmp/nginx;
  fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx;
  scgi_temp_path $tmp/nginx;
  keepalive_requests 1000000;
  default_type application/json;
  server { listen 127.0.0.1:$nport; root $tmp/www; }
}
CONF
"$NGINX" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx"
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$nport/server.json" && break; sleep 0.1; done

: >"$tmp/rows"
wrk_row nginx "nginx static server.json ($(wc -c <"$tmp/www/server.json") bytes)" "http://127.0.0.1:$nport/server.json"
wrk_row get "GET one server" -H "$AUTH" "$Z/servers/$SERVER"
wrk_row list "list 20 security groups" -H "$AUTH" "$Z/security_groups?per_page=20"
wrk_row create "create security group (durable)" -H "$AUTH" -H "$CT" -s bench/sg.lua "$Z/security_groups"
ratio=$(python3 -c "print(f'{100*${RPS[get]}/${RPS[nginx]}:.0f}')")

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
section=$(cat <<MD
## Instance v1 vs nginx (bench/instance.sh)

Measured $(date -u +%Y-%m-%d) on $machine; scwd $("$SCWD" --version 2>/dev/null | awk '{print $2}') with the
embedded SQLite store (WAL, synchronous=NORMAL; every acknowledged create is committed), access
log off (\`--log-level warn\`), $("$NGINX" -v 2>&1 | sed 's/.*: //') with \`worker_processes auto\` and access log off, wrk, scwd and
nginx on the same machine over loopback. Command: \`DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS bench/instance.sh\`.

GET one server runs at **${ratio} %** of the nginx static-file rate.

| workload | requests/s | p50 | p99 | non-2xx | wrk command |
| --- | ---: | ---: | ---: | ---: | --- |
$(cat "$tmp/rows")
MD
)
replace_section "$OUT" 'Instance v1 vs nginx \(bench/instance.sh\)' "$section"
echo "results written to $OUT (GET = ${ratio}% of nginx)" >&2
