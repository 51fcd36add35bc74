# Shared by the bench/*.sh scripts (sourced): starting scwd, seeding the Instance workloads and
# running wrk into a markdown table row. Expects $tmp (a scratch directory) and $SCWD.

# start_scwd NAME [serve args...]: starts a server whose output goes to $tmp/NAME.{out,err};
# sets scwd_pids[NAME] and exports the SCW_* values it printed.
declare -A scwd_pids
start_scwd() {
  local name=$1
  shift
  "$SCWD" serve --listen 127.0.0.1:0 --k8s-listen 127.0.0.1:0 --data "$tmp/$name" --log-level warn \
    --lifecycle-speed instant --quota instance_security_groups=100000000 "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  scwd_pids[$name]=$!
  for _ in $(seq 1 100); do
    grep -q '^scwd: listening on' "$tmp/$name.out" 2>/dev/null && break
    sleep 0.1
  done
  grep -q '^scwd: listening on' "$tmp/$name.out" || { cat "$tmp/$name.err"; return 1; }
  # shellcheck disable=SC1090
  source <(grep '^export ' "$tmp/$name.out")
}
stop_scwds() {
  for p in "${scwd_pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  scwd_pids=()
}
url_of() { sed -n 's/^scwd: listening on //p' "$tmp/$1.out"; }

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# seed_instance URL: a running server and 20 security groups in $SCW_DEFAULT_PROJECT_ID; sets
# SERVER (its id). Uses $SCW_SECRET_KEY.
seed_instance() {
  local z=$1/instance/v1/zones/fr-par-1
  local auth="X-Auth-Token: $SCW_SECRET_KEY" ct='Content-Type: application/json'
  export BENCH_PROJECT=$SCW_DEFAULT_PROJECT_ID  # bench/sg.lua creates in it
  SERVER=$(curl -sf -H "$auth" -H "$ct" \
    -d "{\"name\":\"bench-srv\",\"commercial_type\":\"DEV1-S\",\"image\":\"ubuntu_jammy\",\"project\":\"$SCW_DEFAULT_PROJECT_ID\"}" \
    "$z/servers" | json 'd["server"]["id"]')
  curl -sf -o /dev/null -H "$auth" -H "$ct" -d '{"action":"poweron"}' "$z/servers/$SERVER/action"
  for i in $(seq 1 20); do
    curl -sf -o /dev/null -H "$auth" -H "$ct" \
      -d "{\"name\":\"bench-list-$i\",\"project\":\"$SCW_DEFAULT_PROJECT_ID\"}" "$z/security_groups"
  done
}

# wrk_row KEY NAME wrk-args...: runs wrk for $DURATION with $THREADS / $CONNECTIONS, appends a
# table row (name, requests/s, p50, p99, non-2xx, command) to $tmp/rows, and sets RPS[KEY].
declare -A RPS
wrk_row() {
  local key=$1 name=$2
  shift 2
  local shown="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $*"
  shown=${shown//$SCW_SECRET_KEY/\$SCW_SECRET_KEY}
  echo "== $name: $shown" >&2
  local res
  res=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  echo "$res" >&2
  echo "$res" >"$tmp/wrk.log"  # the last run's output, for scripts that read more of it
  local rps p50 p99 non2xx
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$res" | awk '/Non-2xx/ {print $NF}')
  RPS[$key]=$rps
  printf '| %s | %s | %s | %s | %s | `%s` |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$shown" \
    >>"$tmp/rows"
}

# replace_section FILE TITLE-REGEX SECTION: puts SECTION in place of the section whose heading
# matches, or at the end.
replace_section() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, re, pathlib
path, title, section = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
text = path.read_text() if path.exists() else "# Benchmarks\n"
pattern = re.compile(r"## " + title + r".*?(?=\n## |\Z)", re.S)
text = pattern.sub(lambda m: section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section.rstrip() + "\n"
path.write_text(text)
PY
}
