#!/usr/bin/env bash
# The usage ledger's cost on writes, with wrk on loopback, bounded in time (DURATION per
# workload), in one run: the same metered write (booking an Instance IPv4 address, which opens an
# interval in the ledger in its transaction) on a server that keeps the ledger and on one started
# with `--without billing`, which keeps none; creating a security group (never metered) on both
# as a control. Writes the results and the commands to docs/benchmarks.md (section "The usage
# ledger's cost on writes").
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
  stop_scwds
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source bench/lib.sh
start_scwd metered --quota instance_ips=100000000
METERED=$SCW_API_URL
start_scwd bare --quota instance_ips=100000000 --without billing
BARE=$SCW_API_URL
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
CT='Content-Type: application/json'
export BENCH_PROJECT=$SCW_DEFAULT_PROJECT_ID

# Each server has its own keys: wrk_row reads $SCW_SECRET_KEY, so switch before each pair.
: >"$tmp/rows"
source <(grep '^export ' "$tmp/metered.out")
export BENCH_PROJECT=$SCW_DEFAULT_PROJECT_ID
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
wrk_row ip_on "create IPv4 address, ledger kept" -H "$AUTH" -H "$CT" -s bench/ip.lua "$METERED/instance/v1/zones/fr-par-1/ips"
wrk_row sg_on "create security group, ledger kept (never metered)" -H "$AUTH" -H "$CT" -s bench/sg.lua "$METERED/instance/v1/zones/fr-par-1/security_groups"
ledger=$(curl -sf -H "$AUTH" "$METERED/billing/v2beta1/consumptions?category_name=Compute" |
  json 'sum(int(c["billed_quantity"]) for c in d["consumptions"] if c["unit"] == "ip_minute")')
source <(grep '^export ' "$tmp/bare.out")
export BENCH_PROJECT=$SCW_DEFAULT_PROJECT_ID
AUTH="X-Auth-Token: $SCW_SECRET_KEY"
wrk_row ip_off "create IPv4 address, --without billing" -H "$AUTH" -H "$CT" -s bench/ip.lua "$BARE/instance/v1/zones/fr-par-1/ips"
wrk_row sg_off "create security group, --without billing" -H "$AUTH" -H "$CT" -s bench/sg.lua "$BARE/instance/v1/zones/fr-par-1/security_groups"
ratio=$(python3 -c "print(f'{100*${RPS[ip_on]}/${RPS[ip_off]}:.0f}')")
control=$(python3 -c "print(f'{100*${RPS[sg_on]}/${RPS[sg_off]}:.0f}')")

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
section=$(cat <<MD
## The usage ledger's cost on writes (bench/meter.sh)

Measured $(date -u +%Y-%m-%d) on $machine; scwd $("$SCWD" --version 2>/dev/null | awk '{print $2}') with the
embedded SQLite store, wrk and both servers on the same machine over loopback, one workload at a
time. Command: \`DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS bench/meter.sh\`.

Booking an IPv4 address while the ledger is kept (the record, a read of its open intervals and
the interval it opens, in one transaction) runs at **${ratio} %** of the rate of the same write
on a server started with \`--without billing\`; the control (security groups, never metered)
runs at ${control} %. The ledger afterwards bills ${ledger} IP minutes, one per address booked.

| workload | requests/s | p50 | p99 | non-2xx | wrk command |
| --- | ---: | ---: | ---: | ---: | --- |
$(cat "$tmp/rows")
MD
)
replace_section "$OUT" "The usage ledger's cost on writes \(bench/meter.sh\)" "$section"
echo "results written to $OUT (metered IP create = ${ratio}% of unmetered; control ${control}%)" >&2
