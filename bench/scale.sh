#!/usr/bin/env bash
# Lists at scale: COUNT Instance security groups bulk-loaded through the store (build/
# scwd_bench_load, no HTTP) across 100 projects of a fresh store, then the latency of list pages
# and filters through the real HTTP API with the Owner key (wrk, one connection, so a latency is
# one request's service time; bounded by DURATION per query), the server's RSS and the data size.
# Runs a baseline with BASELINE_COUNT records first, the same queries in the same run.
# Results with the commands go to docs/benchmarks.md (section "Lists at scale").
#
#   COUNT=1000000 BASELINE_COUNT=10000 DURATION=5s [BEFORE_SCWD=/path/to/older/scwd] bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000000}
BASELINE_COUNT=${BASELINE_COUNT:-10000}
DURATION=${DURATION:-5s}
OUT=${OUT:-docs/benchmarks.md}
SCWD=${SCWD:-build/scwd}
LOADER=${LOADER:-build/scwd_bench_load}
ZONE=fr-par-1
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-deps.sh"; exit 1; }
[[ -x $LOADER ]] || { echo "$LOADER is missing: build first"; exit 1; }

tmp=$(mktemp -d)
pid=
stop() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
cleanup() {
  stop
  rm -rf "$tmp"
}
trap cleanup EXIT

start() {  # data dir
  : >"$tmp/out"
  "$SCWD" serve --listen 127.0.0.1:0 --k8s-listen 127.0.0.1:0 --data "$1" --log-level warn --quota-projects 1000 \
    >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 1 300); do grep -q '^scwd: listening on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^scwd: listening on' "$tmp/out" || { cat "$tmp/err"; exit 1; }
  URL=$(sed -n 's/^export SCW_API_URL=//p' "$tmp/out")
}

ms() {  # wrk latency ("812.00us", "1.20ms", "2.01s") -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
    else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

: >"$tmp/rows"
run_scale() {  # count
  local count=$1 data=$tmp/data-$1
  # First start: bootstrap the organization, create 100 projects through the API. (Without the
  # previous size's SCW_* values, which scwd would adopt instead of writing credentials.env.)
  unset SCW_ACCESS_KEY SCW_SECRET_KEY SCW_DEFAULT_ORGANIZATION_ID SCW_DEFAULT_PROJECT_ID
  start "$data"
  # shellcheck disable=SC1090
  source <(grep '^export ' "$data/credentials.env")
  local auth="X-Auth-Token: $SCW_SECRET_KEY" projects=() p
  for i in $(seq 1 100); do
    p=$(curl -sf -H "$auth" -H 'Content-Type: application/json' \
      -d "{\"name\":\"scale-$i\"}" "$URL/account/v3/projects" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    projects+=("$p")
  done
  stop
  local load
  load=$("$LOADER" --data "$data" --organization "$SCW_DEFAULT_ORGANIZATION_ID" \
    --projects "$(IFS=,; echo "${projects[*]}")" --count "$count")
  echo "$load" >&2
  start "$data"
  local base="$URL/instance/v1/zones/$ZONE/security_groups" total last
  total=$(curl -sf -D - -o /dev/null -H "$auth" "$base?per_page=50" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-total-count" {print $2}')
  last=$(( (total + 49) / 50 ))
  local mid=$(( (last + 1) / 2 ))
  local group=$(( 1234 % 10000 ))
  local name
  name=$(printf 'sg-%07d' $(( count / 2 + 1 )))
  query() {  # label, url
    local label=$1 url=$2 cold res p50 p99 rps
    # The first request of a query (cold: nothing cached by the server yet), then wrk.
    cold=$(curl -sf -o /dev/null -w '%{time_total}' -H "$auth" "$url" | awk '{printf "%.2f", $1 * 1000}')
    echo "== $count $label: wrk -t1 -c1 -d$DURATION --latency '$url'" >&2
    res=$(wrk -t1 -c1 -d"$DURATION" --latency -H "$auth" "$url")
    p50=$(ms "$(echo "$res" | awk '$1=="50%" {print $2}')")
    p99=$(ms "$(echo "$res" | awk '$1=="99%" {print $2}')")
    rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
    local non2xx
    non2xx=$(echo "$res" | awk '/Non-2xx/ {print $NF}')
    printf '| %s | %s | %s | %s | %s | %s | %s | `%s` |\n' "$count" "$label" "$cold" "$p50" \
      "$p99" "$rps" "${non2xx:-0}" "${url#"$URL"}" >>"$tmp/rows"
  }
  query "first page" "$base?page=1&per_page=50"
  query "middle page ($mid)" "$base?page=$mid&per_page=50"
  query "last page ($last)" "$base?page=$last&per_page=50"
  query "name filter (1 match)" "$base?name=$name&per_page=50"
  query "tag filter ($((count / 10000)) matches)" "$base?tags=group:$group&per_page=50"
  query "name filter, 10% of records, page 2" "$base?name=sg-05&page=2&per_page=50"
  local rss hwm size
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  hwm=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  stop
  size=$(du -sm "$data" | awk '{print $1}')
  printf '%s|%s|%s|%s|%s\n' "$count" "$total" "$rss" "$hwm" "$size" >>"$tmp/sizes"
  echo "$load" >>"$tmp/loads"
  [[ -n ${BEFORE_SCWD:-} ]] && before "$count" "$data" "$base" "$mid" "$last" "$name" "$group"
  return 0
}

# The same queries served by another scwd binary (BEFORE_SCWD, e.g. one built from the commit
# before the list changes) on the same data: 5 requests each (median, slowest), at most 60 s
# per request. Reads only: a binary of an older schema can serve this store's lists.
before() {  # count data base mid last name group
  local count=$1 data=$2 base=$3 mid=$4 last=$5 name=$6 group=$7 saved=$SCWD
  local path=${base#"$URL"}  # the path part of the list URL
  SCWD=$BEFORE_SCWD
  start "$data"  # sets URL to the new server's
  SCWD=$saved
  local auth="X-Auth-Token: $SCW_SECRET_KEY"
  one() {  # label, path
    local times status
    times=$(for _ in 1 2 3 4 5; do
      curl -s -o /dev/null --max-time 60 -w '%{http_code} %{time_total}\n' -H "$auth" "$URL$2"
    done)
    status=$(echo "$times" | awk '$1 != 200 {bad++} END {print bad + 0}')
    echo "$times" | awk '{print $2 * 1000}' | sort -n |
      awk -v c="$count" -v l="$1" -v p="$2" -v s="$status" '{t[NR] = $1}
        END {printf "| %s | %s | %.2f | %.2f | %s | `%s` |\n", c, l, t[3], t[5], s, p}' \
      >>"$tmp/before_rows"
  }
  one "first page" "$path?page=1&per_page=50"
  one "middle page ($mid)" "$path?page=$mid&per_page=50"
  one "last page ($last)" "$path?page=$last&per_page=50"
  one "name filter (1 match)" "$path?name=$name&per_page=50"
  one "tag filter" "$path?tags=group:$group&per_page=50"
  one "name filter, 10% of records, page 2" "$path?name=sg-05&page=2&per_page=50"
  stop
}

: >"$tmp/sizes"
: >"$tmp/loads"
: >"$tmp/before_rows"
run_scale "$BASELINE_COUNT"
run_scale "$COUNT"

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
{
  echo "## Lists at scale (bench/scale.sh)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $machine (shared with other jobs); scwd $(
    "$SCWD" --version 2>/dev/null | awk '{print $NF}') with the embedded SQLite store, access log off."
  echo "Command: \`COUNT=$COUNT BASELINE_COUNT=$BASELINE_COUNT DURATION=$DURATION${BEFORE_SCWD:+ BEFORE_SCWD=$BEFORE_SCWD} bench/scale.sh\`."
  echo "Security groups are bulk-loaded through the store (\`build/scwd_bench_load\`) across 100"
  echo "projects of one organization in zone $ZONE; each query runs with wrk, one thread, one"
  echo "connection, for $DURATION (\`wrk -t1 -c1 -d$DURATION --latency -H 'X-Auth-Token: \$SCW_SECRET_KEY' URL\`),"
  echo "after one curl request whose time is the \"cold\" column (the first request of a query, before"
  echo "the server cached its page boundaries). Latencies in milliseconds."
  echo
  echo '| records | query | cold | p50 | p99 | requests/s | non-2xx | path |'
  echo '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |'
  cat "$tmp/rows"
  echo
  echo '| records | listed total | RSS after the queries (MiB) | peak RSS (MiB) | data directory (MiB) |'
  echo '| ---: | ---: | ---: | ---: | ---: |'
  awk -F'|' '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}' "$tmp/sizes"
  if [[ -s $tmp/before_rows ]]; then
    echo
    echo "The same queries served by \`$BEFORE_SCWD\` (BEFORE_SCWD: the binary of the commit before"
    echo "the list changes) on the same data, 5 requests each, in milliseconds. It runs on the"
    echo "migrated store (whose new indexes its queries may use; it lacks \`resources_org\`)."
    echo
    echo '| records | query | median | slowest | non-200 | path |'
    echo '| ---: | --- | ---: | ---: | ---: | --- |'
    cat "$tmp/before_rows"
  fi
  echo
  echo "Bulk loads:"
  echo
  sed 's/^/- /' "$tmp/loads"
} >"$tmp/section"
cat "$tmp/section"

# Replace the section in OUT (or append it).
python3 - "$OUT" "$tmp/section" <<'EOF'
import re, sys
out, section = sys.argv[1], open(sys.argv[2]).read()
text = open(out).read()
pat = re.compile(r"## Lists at scale \(bench/scale\.sh\)\n.*?(?=\n## |\Z)", re.S)
if pat.search(text):
    text = pat.sub(lambda m: section.rstrip("\n") + "\n", text)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(out, "w").write(text)
EOF
