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

"$SCWD" serve --listen 127.0.0.1:0 --data "$tmp/data" --log-level warn --lifecycle-speed instant \
  --quota instance_security_groups=100000000 \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do grep -q '^scwd: listening on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
grep -q '^scwd: listening on' "$tmp/out" || { cat "$tmp/err"; exit 1; }
# shellcheck disable=SC1090
source <(grep '^export ' "$tmp/out")
URL=$SCW_API_URL
Z=$URL/instance/v1/zones/fr-par-1
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
CT='Content-Type: application/json'
export BENCH_PROJECT=$SCW_DEFAULT_PROJECT_ID
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

SERVER=$(curl -sf -H "$AUTH" -H "$CT" \
  -d "{\"name\":\"bench-srv\",\"commercial_type\":\"DEV1-S\",\"image\":\"ubuntu_jammy\",\"project\":\"$BENCH_PROJECT\"}" \
  "$Z/servers" | json 'd["server"]["id"]')
curl -sf -o /dev/null -H "$AUTH" -H "$CT" -d '{"action":"poweron"}' "$Z/servers/$SERVER/action"
for i in $(seq 1 20); do
  curl -sf -o /dev/null -H "$AUTH" -H "$CT" \
    -d "{\"name\":\"bench-list-$i\",\"project\":\"$BENCH_PROJECT\"}" "$Z/security_groups"
done

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

declare -A RPS
run() {  # key, name, wrk args...
  local key=$1 name=$2
  shift 2
  local shown="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $*"
  shown=${shown//$SCW_SECRET_KEY/\$SCW_SECRET_KEY}
  echo "== $name: $shown" >&2
  local res
  res=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  echo "$res" >&2
  local rps p50 p99 non2xx
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$res" | awk '/Non-2xx/ {print $NF}')
  RPS[$key]=$rps
  printf '| %s | %s | %s | %s | %s | `%s` |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$shown" >>"$tmp/rows"
}

: >"$tmp/rows"
run nginx "nginx static server.json ($(wc -c <"$tmp/www/server.json") bytes)" "http://127.0.0.1:$nport/server.json"
run get "GET one server" -H "$AUTH" "$Z/servers/$SERVER"
run list "list 20 security groups" -H "$AUTH" "$Z/security_groups?per_page=20"
run create "create security group (durable)" -H "$AUTH" -H "$CT" -s bench/sg.lua "$Z/security_groups"
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
python3 - "$OUT" "$section" <<'PY'
import sys, re, pathlib
path, section = pathlib.Path(sys.argv[1]), sys.argv[2]
text = path.read_text() if path.exists() else "# Benchmarks\n"
pattern = re.compile(r"## Instance v1 vs nginx \(bench/instance.sh\).*?(?=\n## |\Z)", re.S)
text = pattern.sub(lambda m: section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section.rstrip() + "\n"
path.write_text(text)
PY
echo "results written to $OUT (GET = ${ratio}% of nginx)" >&2
