#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests (never the system cluster on port 5432):
#   pg-cluster.sh start DIR [--durable]   initdb into DIR (created), start it on a free 127.0.0.1
#                                         port, print `postgres://scwd@127.0.0.1:PORT` on stdout
#   pg-cluster.sh stop DIR                stop it (immediate: the data is thrown away) and rm DIR
#   pg-cluster.sh createdb URL NAME       CREATE DATABASE NAME in the cluster at URL
# Only the URL goes to stdout; progress and errors go to stderr. The cluster trusts every
# connection from 127.0.0.1 (superuser `scwd`, no password) and runs with fsync, synchronous
# commit and full-page writes off, which is fine for data that dies with the test run; --durable
# keeps them on (benchmarks). PostgreSQL refuses to run as root: run as root, the cluster belongs
# to `nobody` (PG_USER overrides); run as anyone else, it belongs to that user.
# PG_BIN: the server binaries (default /usr/lib/postgresql/15/bin).
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${PG_USER:-nobody}
PSQL=$PG_BIN/psql
[[ -x "$PSQL" ]] || PSQL=psql

usage() {
  echo "usage: $0 start DIR [--durable] | stop DIR | createdb URL NAME" >&2
  exit 2
}

# as_pg CMD...: runs CMD as the cluster's owner (root may not run initdb, pg_ctl or postgres).
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

# A port nothing listens on: the kernel's pick for a bind to port 0 when python3 is there, else a
# random one that refuses connections. Another process may still take it before postgres binds,
# so start retries with a new port.
free_port() {
  if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
      2>/dev/null; then
    return
  fi
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# URL -> host, port and user for psql (postgres://USER@HOST:PORT[/DB]).
parse_url() {
  local re='^postgres(ql)?://([^@/]+)@([^:/]+):([0-9]+)(/.*)?$'
  [[ $1 =~ $re ]] || { echo "pg-cluster: not a postgres://USER@HOST:PORT URL: $1" >&2; exit 2; }
  url_user=${BASH_REMATCH[2]}
  url_host=${BASH_REMATCH[3]}
  url_port=${BASH_REMATCH[4]}
}

cmd_start() {
  local dir=$1 durable=${2:-}
  [[ -z "$durable" || "$durable" == --durable ]] || usage
  [[ -x "$PG_BIN/initdb" ]] || { echo "pg-cluster: $PG_BIN/initdb not found (install postgresql-15)" >&2; exit 1; }
  if [[ -e "$dir" && -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
    echo "pg-cluster: $dir exists and is not empty" >&2
    exit 1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then
    chown "$PG_USER" "$dir"
    chmod 0700 "$dir"
    # mktemp -d under a private TMPDIR (e.g. /root/...) would leave the cluster unreachable
    as_pg test -w "$dir" || { echo "pg-cluster: $PG_USER cannot write $dir (a parent is private?)" >&2; exit 1; }
  fi
  # The cluster's processes run inside DIR: the caller's working directory may be closed to them.
  cd "$dir"

  # C collation: text sorts by bytes, as SQLite's BINARY collation does; UTC for timestamps.
  local initdb_sync=(--no-sync)
  [[ "$durable" == --durable ]] && initdb_sync=()
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U scwd --auth=trust --encoding=UTF8 --locale=C \
    --no-instructions "${initdb_sync[@]}" >&2
  {
    echo "# pg-cluster.sh"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 400"
    echo "shared_buffers = 128MB"
    echo "timezone = 'UTC'"
    if [[ "$durable" != --durable ]]; then
      # The data dies with the test run: skip the flushes that make a commit survive a crash.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null

  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    rm -f "$dir/postgres.log" # this attempt's log only
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "-p $port" start >&2; then
      echo "$port" >"$dir/port"
      echo "pg-cluster: started in $dir on 127.0.0.1:$port (log: $dir/postgres.log)" >&2
      echo "postgres://scwd@127.0.0.1:$port"
      return
    fi
    # Someone took the port between the pick and the bind: try another; anything else is fatal.
    if ! grep -q 'could not bind\|Address already in use' "$dir/postgres.log" 2>/dev/null; then break; fi
    echo "pg-cluster: port $port was taken, retrying (attempt $attempt)" >&2
  done
  echo "pg-cluster: postgres did not start; log:" >&2
  tail -20 "$dir/postgres.log" >&2 2>/dev/null || true
  exit 1
}

cmd_stop() {
  local dir=$1
  [[ -d "$dir" ]] || return 0
  dir=$(cd "$dir" && pwd)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    # immediate: no checkpoint, nothing here is worth keeping
    (cd "$dir" && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >&2) ||
      echo "pg-cluster: pg_ctl stop failed (already stopped?)" >&2
  fi
  rm -rf "$dir"
}

cmd_createdb() {
  local url=$1 name=$2
  parse_url "$url"
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "pg-cluster: bad database name: $name" >&2; exit 2; }
  "$PSQL" -X -q -h "$url_host" -p "$url_port" -U "$url_user" -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE \"$name\"" >&2
}

case "${1:-}" in
  start) [[ $# -ge 2 && $# -le 3 ]] || usage; cmd_start "$2" "${3:-}" ;;
  stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
  createdb) [[ $# -eq 3 ]] || usage; cmd_createdb "$2" "$3" ;;
  *) usage ;;
esac
