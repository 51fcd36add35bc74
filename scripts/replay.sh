#!/usr/bin/env bash
# Scores this build against the recorded real traffic of one product (the conformance corpus that
# sits beside the checkout, ../shared/conformance): a fresh store, a server on a free loopback
# port, replay.py with stand-in users, then the summary. Usage:
#   scripts/replay.sh PRODUCT [REPORT.json] [replay.py options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
product=${1:?usage: scripts/replay.sh PRODUCT [REPORT.json] [options]}
report=${2:-$(mktemp --suffix=.json)}
shift $(( $# >= 2 ? 2 : 1 ))
corpus=${CONFORMANCE:-$root/../shared/conformance}
scwd=${SCWD:-$root/build/scwd}
[ -f "$corpus/replay.py" ] || { echo "no corpus at $corpus (set CONFORMANCE)" >&2; exit 1; }

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SCW_ACCESS_KEY=SCWREPLAY00000000000
export SCW_SECRET_KEY=11111111-2222-4333-8444-555555555555
export SCW_DEFAULT_ORGANIZATION_ID=aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
# The NATS server that recorded NATS accounts start gets a free port of its own.
nats_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$scwd" serve --listen "127.0.0.1:$port" --k8s-listen 127.0.0.1:0 --nats-listen "127.0.0.1:$nats_port" \
  --data "$data" --log-level off &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/_scwd/health" >/dev/null 2>&1 && break
  sleep 0.1
done
python3 "$corpus/replay.py" --base-url "http://127.0.0.1:$port" --secret-key "$SCW_SECRET_KEY" \
  --organization-id "$SCW_DEFAULT_ORGANIZATION_ID" --project-id "$SCW_DEFAULT_ORGANIZATION_ID" \
  --jobs 2 --seed-users --product "$product" --report "$report" "$@" | tail -15
