#!/usr/bin/env bash
# SQS on loopback with wrk: SendMessage (each acknowledged once durable) into a standard queue,
# then ReceiveMessage of up to 10 messages at a time from the queue that filled (messages stay
# hidden: each receive takes new ones), both signed with SigV4 with credentials made through the
# API. Starts its own scwd; writes the results to docs/benchmarks.md (section "SQS").
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
# Short enough that the receives do not empty what the sends filled.
RECEIVE_DURATION=${RECEIVE_DURATION:-2s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
OUT=${OUT:-docs/benchmarks.md}
SCWD=${SCWD:-build/scwd}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-deps.sh"; exit 1; }

tmp=$(mktemp -d)
trap 'stop_scwds; rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source bench/lib.sh
start_scwd sqs --nats-listen ''
URL=$(url_of sqs)
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
CT='Content-Type: application/json'
R="$URL/mnq/v1beta1/regions/fr-par"
ENDPOINT=$(curl -sf -H "$AUTH" -H "$CT" -d "{\"project_id\":\"$SCW_DEFAULT_PROJECT_ID\"}" \
  "$R/activate-sqs" | json 'd["sqs_endpoint_url"]')
CREDS=$(curl -sf -H "$AUTH" -H "$CT" -d "{\"project_id\":\"$SCW_DEFAULT_PROJECT_ID\",\"name\":\"bench\",\
\"permissions\":{\"can_publish\":true,\"can_receive\":true,\"can_manage\":true}}" "$R/sqs-credentials")
AK=$(echo "$CREDS" | json 'd["access_key"]')
SK=$(echo "$CREDS" | json 'd["secret_key"]')
sign() { python3 bench/sqs_sign.py "$ENDPOINT" "$AK" "$SK" "$@"; }
sign CreateQueue '{"QueueName":"bench"}' >"$tmp/create.lua"
QUEUE=$(wrk -t1 -c1 -d1s -s "$tmp/create.lua" "$ENDPOINT/" >/dev/null 2>&1;
  sign GetQueueUrl '{"QueueName":"bench"}' >"$tmp/url.lua";
  python3 - "$tmp/url.lua" "$ENDPOINT" <<'PY'
import re, sys, urllib.request
lua = open(sys.argv[1]).read()
get = lambda k: re.search(r'wrk\.' + k + r' = "(.*)"', lua).group(1).replace('\\"', '"')
hdrs = dict(re.findall(r'wrk\.headers\["(.*?)"\] = "(.*)"', lua))
req = urllib.request.Request(sys.argv[2] + "/", data=get("body").encode(), headers=hdrs, method="POST")
import json
print(json.load(urllib.request.urlopen(req))["QueueUrl"])
PY
)
sign SendMessage "{\"QueueUrl\":\"$QUEUE\",\"MessageBody\":\"a benchmark message of about sixty bytes, sent again\"}" >"$tmp/send.lua"
sign ReceiveMessage "{\"QueueUrl\":\"$QUEUE\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":43200}" >"$tmp/receive.lua"
# Counts the messages the receives got (per thread, summed at the end).
cat >>"$tmp/receive.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() messages = 0; empty = 0 end
function response(status, headers, body)
  local n = select(2, body:gsub('"MessageId"', ''))
  messages = messages + n
  if n == 0 then empty = empty + 1 end
end
function done()
  local m, e = 0, 0
  for _, t in ipairs(threads) do m = m + t:get("messages"); e = e + t:get("empty") end
  io.write(string.format("messages received: %d, empty receives: %d\n", m, e))
end
LUA

: >"$tmp/rows"
wrk_row send "SendMessage (durable)" -s "$tmp/send.lua" "$ENDPOINT/"
send_duration=$DURATION
DURATION=$RECEIVE_DURATION
wrk_row receive "ReceiveMessage, up to 10 per call" -s "$tmp/receive.lua" "$ENDPOINT/"
DURATION=$send_duration
received=$(sed -n 's/^messages received: \([0-9]*\).*/\1/p' "$tmp/wrk.log")
empty=$(sed -n 's/.*empty receives: \([0-9]*\)$/\1/p' "$tmp/wrk.log")

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
sent=$(python3 -c "print(round(${RPS[send]} * ${DURATION%s}))")
rate=$(python3 -c "print(round($received / ${RECEIVE_DURATION%s}))")
section=$(cat <<MD
## SQS (bench/sqs.sh)

Measured $(date -u +%Y-%m-%d) on $machine; scwd $("$SCWD" --version 2>/dev/null | awk '{print $2}') with the
embedded SQLite store, wrk and scwd on the same machine over loopback. Command:
\`DURATION=$DURATION RECEIVE_DURATION=$RECEIVE_DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS bench/sqs.sh\`. Requests use the JSON 1.0
protocol, signed with SigV4 once by \`bench/sqs_sign.py\` (wrk replays the signed request: a
signature is valid for 15 minutes). SendMessage answers once its message is durable (group
commit). ReceiveMessage then takes 10 messages per call (a visibility timeout of 12 hours keeps
them hidden) for $RECEIVE_DURATION from the ~$sent messages the send workload left in the queue:
$received messages received, **$rate messages/s** ($empty receives found the queue empty).

| workload | requests/s | p50 | p99 | non-2xx | wrk command |
| --- | ---: | ---: | ---: | ---: | --- |
$(cat "$tmp/rows")
MD
)
replace_section "$OUT" 'SQS \(bench/sqs.sh\)' "$section"
echo "results written to $OUT" >&2
