#!/usr/bin/env bash
# The scw CLI suite proper (run through run.sh): suite.sh SCWD_BIN SCW_BIN
# Starts a fresh `scwd serve` on a random 127.0.0.1 port, points scw at it with the SCW_*
# variables it prints (and once with a config profile whose api_url names scwd), runs real
# commands and checks their output. Prints PASS/FAIL per check and `N passed, N failed`.
set -uo pipefail

scwd_bin=$1
scw_bin=$2
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
suite_start scw-cli "$scwd_bin"
export SCW_DISABLE_TELEMETRY=true SCW_ENABLE_BETA=false

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
  failed=$((failed + 1)); echo "FAIL $1"
  [ -s "$tmp/err" ] && sed 's/^/    stderr: /' "$tmp/err" | head -20
  [ -s "$tmp/out" ] && sed 's/^/    stdout: /' "$tmp/out" | head -20
  return 0
}
# run scw ARGS...: stdout in $tmp/out, stderr in $tmp/err, exit code in $rc
run() {
  timeout 120 "$scw_bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
}
# py EXPR: evaluates EXPR with `d` = the JSON in $tmp/out and prints it; non-zero exit if it raises
py() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); r = eval(sys.argv[2]); print("" if r is None else r)' \
    "$tmp/out" "$1" 2>>"$tmp/err"
}
# expect NAME EXPR: the command succeeded and EXPR (python, over d) is true
expect() {
  if [ "$rc" -eq 0 ] && [ "$(py "$2")" = "True" ]; then pass "$1"; else fail "$1 (exit $rc; want $2)"; fi
}
uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

# --- account
run account project list -o json
expect "account project list has the default project" \
  "any(p['id'] == '$SCW_DEFAULT_PROJECT_ID' for p in d)"

# --- instance servers
run instance server create type=DEV1-S image=ubuntu_jammy name=cli-srv -w -o json
expect "instance server create -w: running DEV1-S" \
  "d['state'] == 'running' and d['commercial_type'] == 'DEV1-S' and d['name'] == 'cli-srv'"
srv=$(py "d['id']" || true)
root_vol=$(py "d['volumes']['0']['id']" || true)

run instance server list -o json
expect "instance server list contains it" "any(s['id'] == '$srv' for s in d)"

run instance server stop "$srv" -w
if [ "$rc" -eq 0 ]; then pass "instance server stop -w"; else fail "instance server stop -w (exit $rc)"; fi
run instance server get "$srv" -o json
expect "instance server get: stopped" "d['state'] == 'stopped'"

# ubuntu_jammy on DEV1-S boots from an SBS volume: it is listed by Block, not by Instance
run block volume list -o json
expect "block volume list has the server's root volume" \
  "any(v['id'] == '$root_vol' and v['status'] == 'in_use' for v in d)"
run instance volume create name=cli-vol volume-type=l_ssd size=10GB -o json
expect "instance volume create l_ssd" "d['volume']['name'] == 'cli-vol'"
vol=$(py "d['volume']['id']" || true)
run instance volume list -o json
expect "instance volume list has it" "any(v['id'] == '$vol' and v['volume_type'] == 'l_ssd' for v in d)"

run instance snapshot create volume-id="$vol" name=cli-snap -w -o json
expect "instance snapshot create -w: available" \
  "d['name'] == 'cli-snap' and d['state'] == 'available' and d['base_volume']['id'] == '$vol'"
snap=$(py "d['id']" || true)
run instance image create snapshot-id="$snap" name=cli-img arch=x86_64 -o json
expect "instance image create from the snapshot" \
  "d['image']['name'] == 'cli-img' and d['image']['root_volume']['id'] == '$snap'"
img=$(py "d['image']['id']" || true)
run instance image list -o json
expect "instance image list has it" "any(i['id'] == '$img' for i in d)"

# --- instance IP, security group
run instance ip create -o json
expect "instance ip create" "bool(d['ip']['id'] and d['ip']['address']) and d['ip']['type'] == 'routed_ipv4'"

run instance security-group create name=cli-sg -o json
expect "instance security-group create" \
  "d['security_group']['name'] == 'cli-sg' and bool(d['security_group']['id'])"

sg=$(py "d['security_group']['id']" || true)
run instance security-group create-rule security-group-id="$sg" protocol=TCP direction=inbound \
  action=accept ip-range=0.0.0.0/0 dest-port-from=22 -o json
expect "instance security-group create-rule" \
  "d['rule']['protocol'] == 'TCP' and d['rule']['dest_port_from'] == 22 and d['rule']['ip_range'] == '0.0.0.0/0'"
run instance placement-group create name=cli-pg policy-type=max_availability -o json
expect "instance placement-group create" \
  "d['placement_group']['name'] == 'cli-pg' and d['placement_group']['policy_type'] == 'max_availability'"

# --- VPC, IPAM
run vpc private-network create name=cli-pn -o json
expect "vpc private-network create" \
  "d['name'] == 'cli-pn' and d['project_id'] == '$SCW_DEFAULT_PROJECT_ID' and len(d['subnets']) >= 1"

pn=$(py "d['id']" || true)
pn_subnets=$(py "','.join(s['id'] for s in d['subnets'])" || true)
run instance private-nic create server-id="$srv" private-network-id="$pn" -o json
expect "instance private-nic create" \
  "d['private_nic']['private_network_id'] == '$pn' and d['private_nic']['server_id'] == '$srv'"
nic=$(py "d['private_nic']['id']" || true)
run instance private-nic list server-id="$srv" -o json
expect "instance private-nic list has it" "any(n['id'] == '$nic' for n in d)"

run ipam ip list private-network-id="$pn" -o json
expect "ipam ip list: the NIC's address in the private network" \
  "len(d) == 2 and all(i['resource']['id'] == '$nic' and i['source']['subnet_id'] in '$pn_subnets'.split(',') for i in d)"

run vpc-gw gateway create name=cli-gw -w -o json
expect "vpc-gw gateway create -w: running" "d['name'] == 'cli-gw' and d['status'] == 'running'"
gw=$(py "d['id']" || true)
run ipam ip list private-network-id="$pn" is-ipv6=false -o json
nic_ip=$(py "d[0]['address'].split('/')[0]" || true)
run vpc-gw gateway-network create gateway-id="$gw" private-network-id="$pn" enable-masquerade=true \
  push-default-route=true -w -o json
expect "vpc-gw gateway-network create -w: ready, IPAM address" \
  "d['status'] == 'ready' and d['private_network_id'] == '$pn' and d['masquerade_enabled'] and len(d['ipam_ip_id']) == 36"
run vpc-gw pat-rule create gateway-id="$gw" public-port=2222 private-ip="$nic_ip" private-port=22 \
  protocol=tcp -o json
expect "vpc-gw pat-rule create to the NIC's address" \
  "d['gateway_id'] == '$gw' and d['public_port'] == 2222 and d['private_ip'] == '$nic_ip' and d['protocol'] == 'tcp'"

# --- Block
run block volume create name=cli-blk perf-iops=5000 from-empty.size=10GB -w -o json
expect "block volume create -w: available" \
  "d['name'] == 'cli-blk' and d['status'] == 'available' and d['size'] == 10000000000"

# --- IAM
run iam application create name=cli-app -o json
expect "iam application create" "d['name'] == 'cli-app'"
app=$(py "d['id']" || true)
run iam api-key create application-id="$app" -o json
expect "iam api-key create: secret shown once" \
  "d['application_id'] == '$app' and d['access_key'].startswith('SCW') and len(d['secret_key']) == 36"

run iam group create name=cli-group -o json
expect "iam group create" "d['name'] == 'cli-group' and d['application_ids'] == []"
grp=$(py "d['id']" || true)
run iam group add-member group-id="$grp" application-id="$app" -o json
expect "iam group add-member: the application" "d['id'] == '$grp' and d['application_ids'] == ['$app']"
run iam ssh-key create name=cli-ssh \
  public-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE8oh7fBA2tv7BqpuZCHAihY1xOQ4yJa9/1ygqjhOYUF cli@scwd" -o json
expect "iam ssh-key create: fingerprint computed" \
  "d['name'] == 'cli-ssh' and d['fingerprint'].startswith('256 MD5:') and d['fingerprint'].endswith('(ssh-ed25519)') and d['project_id'] == '$SCW_DEFAULT_PROJECT_ID'"

run iam policy create name=cli-pol application-id="$app" rules.0.permission-set-names.0=InstancesReadOnly \
  rules.0.project-ids.0="$SCW_DEFAULT_PROJECT_ID" -o json
expect "iam policy create with a rule" "d['application_id'] == '$app' and d['nb_rules'] == 1"
pol=$(py "d['id']" || true)
run iam rule list policy-id="$pol" -o json
expect "iam rule list: the rule as sent" \
  "[(r['permission_set_names'], r['project_ids']) for r in d] == [(['InstancesReadOnly'], ['$SCW_DEFAULT_PROJECT_ID'])]"

# a key of the application: its policy gives InstancesReadOnly on the project
run iam api-key create application-id="$app" default-project-id="$SCW_DEFAULT_PROJECT_ID" -o json
ro_ak=$(py "d['access_key']" || true)
ro_sk=$(py "d['secret_key']" || true)
SCW_ACCESS_KEY=$ro_ak SCW_SECRET_KEY=$ro_sk run instance server list -o json
expect "read-only key: instance server list sees the server" "any(s['id'] == '$srv' for s in d)"
SCW_ACCESS_KEY=$ro_ak SCW_SECRET_KEY=$ro_sk run instance ip create
if [ "$rc" -ne 0 ] && grep -q "insufficient permissions: write instance" "$tmp/err"; then
  pass "read-only key: instance ip create → exit 1, insufficient permissions: write instance"
else
  fail "read-only key: instance ip create (exit $rc)"
fi
SCW_SECRET_KEY=$(python3 -c 'import uuid; print(uuid.uuid4())') run instance server list
if [ "$rc" -ne 0 ] && grep -q "denied authentication: API key does not exist" "$tmp/err"; then
  pass "unknown secret key: exit 1, denied authentication: API key does not exist"
else
  fail "unknown secret key (exit $rc)"
fi

# --- Elastic Metal and flexible IPs: order, install Ubuntu with an SSH key, join a Private
# Network, attach a flexible IP with a virtual MAC, reboot into rescue, delete
run iam ssh-key create name=cli-metal \
  public-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEm3ZqCMxM4PAGoWqkOtBz3ho0X0ZV4GwZrA1qvA4KmS cli@scwd" -o json
metal_key=$(py "d['id']" || true)
run baremetal os list -o json
ubuntu_os=$(py "[o['id'] for o in d if o['name'] == 'Ubuntu' and o['version'].startswith('22.04')][0]" || true)
run baremetal server create type=EM-I215E-NVME name=cli-metal -w -o json
expect "baremetal server create -w: ready EM-I215E-NVME with its IPs" \
  "d['status'] == 'ready' and d['offer_name'] == 'EM-I215E-NVME' and len(d['ips']) == 2"
metal=$(py "d['id']" || true)
run baremetal server install "$metal" os-id="$ubuntu_os" hostname=cli-metal \
  ssh-key-ids.0="$metal_key" -w -o json
expect "baremetal server install -w: Ubuntu installed with the SSH key" \
  "d['install']['status'] == 'completed' and d['install']['ssh_key_ids'] == ['$metal_key']"
run baremetal options list -o json
pn_option=$(py "[o['id'] for o in d if o['name'] == 'Private Network'][0]" || true)
run baremetal options add server-id="$metal" option-id="$pn_option" -o json
expect "baremetal options add: Private Network enabling" \
  "d['options'][0]['status'] in ('option_status_enabling', 'option_status_enable')"
run vpc private-network create name=cli-metal-pn -o json
metal_pn=$(py "d['id']" || true)
run baremetal private-network add server-id="$metal" private-network-id="$metal_pn" -o json
expect "baremetal private-network add: attaching with a VLAN and IPv4 and IPv6 IPAM addresses" \
  "d['status'] in ('attaching', 'attached') and d['vlan'] > 0 and len(d['ipam_ip_ids']) == 2"
run baremetal private-network list server-id="$metal" -o json
expect "baremetal private-network list: the server's network" \
  "[p['private_network_id'] for p in d] == ['$metal_pn']"
run fip ip create server-id="$metal" -w -o json
expect "fip ip create server-id=... -w: attached to the server" \
  "d['status'] == 'attached' and d['server_id'] == '$metal'"
fip=$(py "d['id']" || true)
run fip mac create fip-id="$fip" mac-type=kvm -o json
expect "fip mac create mac-type=kvm: a 52:54:00 MAC" \
  "d['mac_address']['mac_type'] == 'kvm' and d['mac_address']['mac_address'].startswith('52:54:00:')"
run baremetal server reboot "$metal" boot-type=rescue -w -o json
expect "baremetal server reboot boot-type=rescue -w: ready in rescue" \
  "d['status'] == 'ready' and d['boot_type'] == 'rescue'"
run fip ip delete "$fip"
if [ "$rc" -eq 0 ]; then pass "fip ip delete"; else fail "fip ip delete (exit $rc)"; fi
run baremetal private-network delete server-id="$metal" private-network-id="$metal_pn"
if [ "$rc" -eq 0 ]; then pass "baremetal private-network delete"; else fail "baremetal private-network delete (exit $rc)"; fi
run baremetal server delete "$metal" -o json
expect "baremetal server delete: deleting" "d['status'] == 'deleting'"
run baremetal server wait "$metal"
if [ "$rc" -ne 0 ] && grep -qi "not found" "$tmp/err"; then
  pass "baremetal server wait after delete: not found"
else
  fail "baremetal server wait after delete (exit $rc)"
fi

# --- Kubernetes Kapsule
run k8s version list -o json
expect "k8s version list: newest first with cilium" \
  "len(d) >= 3 and 'cilium' in d[0]['available_cnis']"
k8s_version=$(py "d[0]['name']" || true)
run k8s cluster create name=cli-k8s version="$k8s_version" cni=cilium \
  pools.0.name=default pools.0.node-type=DEV1-M pools.0.size=1 -w -o json
expect "k8s cluster create -w: ready with its pool" \
  "d['status'] == 'ready' and d['type'] == 'kapsule'"
k8s_cluster=$(py "d['id']" || true)
k8s_pn=$(py "d['private_network_id']" || true)
run vpc private-network get "$k8s_pn" -o json
expect "k8s cluster create: in the Private Network the CLI made for it" \
  "'created-along-with-k8s-cluster' in d['tags']"
run k8s pool list cluster-id="$k8s_cluster" -o json
expect "k8s pool list: the default pool, ready" \
  "[(p['name'], p['status'], p['node_type']) for p in d] == [('default', 'ready', 'dev1_m')]"
k8s_pool=$(py "d[0]['id']" || true)
run k8s node list cluster-id="$k8s_cluster" -o json
expect "k8s node list: one node named after cluster and pool" \
  "len(d) == 1 and d[0]['name'].startswith('scw-cli-k8s-default-')"
run k8s kubeconfig get "$k8s_cluster"
if [ "$rc" -eq 0 ] && grep -q "current-context: admin@cli-k8s" "$tmp/out" &&
  grep -q "certificate-authority-data: " "$tmp/out"; then
  pass "k8s kubeconfig get: a kubeconfig for admin@cli-k8s"
else
  fail "k8s kubeconfig get (exit $rc)"
fi
run k8s pool update "$k8s_pool" size=2 -w -o json
expect "k8s pool update size=2 -w: ready with 2" "d['status'] == 'ready' and d['size'] == 2"
run k8s node list cluster-id="$k8s_cluster" -o json
expect "k8s node list: two nodes" "len(d) == 2"
run k8s acl add cluster-id="$k8s_cluster" acls.0.ip=1.2.3.4/32 acls.0.description=office -o json
expect "k8s acl add: the rule" "any(r.get('ip') == '1.2.3.4/32' for r in d['rules'])"
run k8s cluster delete "$k8s_cluster" with-additional-resources=true -w
if [ "$rc" -eq 0 ]; then pass "k8s cluster delete with-additional-resources -w"; else fail "k8s cluster delete (exit $rc)"; fi
run k8s cluster get "$k8s_cluster"
if [ "$rc" -ne 0 ]; then pass "k8s cluster get after delete: not found"; else fail "k8s cluster get after delete"; fi

# --- Serverless Functions and Containers
mkdir -p "$tmp/fn"
cat >"$tmp/fn/handler.js" <<'JS'
export function handle(event) {
  return { statusCode: 200, body: `cli says hi to ${event.queryStringParameters.name}` };
}
JS
(cd "$tmp/fn" && python3 -m zipfile -c "$tmp/fn.zip" handler.js)
run function deploy name=cli-fn runtime=node22 zip-file="$tmp/fn.zip" -o json
# The workflow's progress lines come first; the function is the last line.
tail -n 1 "$tmp/out" >"$tmp/out.last" && mv "$tmp/out.last" "$tmp/out"
expect "function deploy: namespace, function, upload, deploy: ready" \
  "d['status'] == 'ready' and d['runtime'] == 'node22'"
fn_domain=$(py "d['domain_name']" || true)
body=$(curl -s -H "Host: $fn_domain" "$SCW_API_URL/?name=scw" || true)
if [ "$body" = "cli says hi to scw" ]; then pass "curl on the function's domain: the handler's answer"; else
  fail "curl on the function's domain (got '$body')"; fi
run function function list -o json
expect "function function list: the deployed function" "any(f['name'] == 'cli-fn' for f in d)"
run container namespace create name=cli-cns -w -o json
expect "container namespace create -w: ready" "d['status'] == 'ready'"
cns=$(py "d['id']" || true)
run container container create namespace-id="$cns" name=cli-co image=rg.fr-par.scw.cloud/demo/app:latest port=8080 -w -o json
expect "container container create -w: ready" "d['status'] == 'ready' and d['port'] == 8080"
co_endpoint=$(py "d['public_endpoint']" || true)
co=$(py "d['id']" || true)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: ${co_endpoint#https://}" "$SCW_API_URL/" || true)
if [ "$code" = "503" ]; then pass "curl on the container's endpoint: 503, images are not run here"; else
  fail "curl on the container's endpoint (got $code)"; fi
# The CLI's trigger and domain commands are Containers v1's.
run container trigger create container-id="$co" name=cli-cron cron-config.schedule="0 * * * *" \
  cron-config.timezone=Europe/Paris -o json
expect "container trigger create (a cron source): creating, POST / by default" \
  "d['status'] == 'creating' and d['source_type'] == 'cron' and d['destination_config']['http_method'] == 'post'"
run container domain create container-id="$co" hostname=cli.example.com -o json
expect "container domain create" "d['hostname'] == 'cli.example.com' and d['status'] == 'creating'"
run container trigger list container-id="$co" -o json
expect "container trigger list" "len(d) == 1 and d[0]['name'] == 'cli-cron'"
run container namespace delete "$cns"
if [ "$rc" -eq 0 ]; then pass "container namespace delete"; else fail "container namespace delete (exit $rc)"; fi

# --- Marketplace
run marketplace image list -o json
expect "marketplace image list has ubuntu_jammy" "any(i['label'] == 'ubuntu_jammy' for i in d)"

# --- errors
ghost=$(python3 -c 'import uuid; print(uuid.uuid4())')
run instance server get "$ghost"
if [ "$rc" -ne 0 ] && grep -q "Cannot find resource 'instance_server' with ID '$ghost'" "$tmp/err"; then
  pass "instance server get <unknown id>: non-zero exit, Cannot find resource"
else
  fail "instance server get <unknown id> (exit $rc)"
fi

run block volume create name=cli-tiny perf-iops=5000 from-empty.size=1GB
if [ "$rc" -ne 0 ] && grep -q "Invalid arguments 'size'" "$tmp/err"; then
  pass "block volume create 1GB: non-zero exit, Invalid arguments 'size'"
else
  fail "block volume create 1GB (exit $rc)"
fi

# --- a config profile whose api_url names scwd, no SCW_* in the environment
cat >"$tmp/config.yaml" <<EOF
access_key: $SCW_ACCESS_KEY
secret_key: $SCW_SECRET_KEY
default_organization_id: $SCW_DEFAULT_ORGANIZATION_ID
default_project_id: $SCW_DEFAULT_PROJECT_ID
default_region: fr-par
default_zone: fr-par-1
api_url: $SCW_API_URL
EOF
chmod 0600 "$tmp/config.yaml"   # scw warns (on stdout) about a more open file
(
  unset SCW_API_URL SCW_ACCESS_KEY SCW_SECRET_KEY SCW_DEFAULT_ORGANIZATION_ID \
    SCW_DEFAULT_PROJECT_ID SCW_DEFAULT_REGION SCW_DEFAULT_ZONE
  SCW_CONFIG_PATH="$tmp/config.yaml" timeout 120 "$scw_bin" instance server list -o json \
    >"$tmp/out" 2>"$tmp/err" </dev/null
) ; rc=$?
expect "config profile with api_url: instance server list" "any(s['id'] == '$srv' for s in d)"

run instance server delete "$srv" with-volumes=all with-ip=true force-shutdown=true
if [ "$rc" -eq 0 ]; then pass "instance server delete with-volumes=all with-ip=true"; else fail "instance server delete (exit $rc)"; fi
run instance server get "$srv"
if [ "$rc" -ne 0 ] && grep -q "Cannot find resource 'instance_server'" "$tmp/err"; then
  pass "instance server get after delete: not found"
else
  fail "instance server get after delete (exit $rc)"
fi

# Messaging and Queuing: a NATS account and credentials, SQS activation and credentials.
run mnq nats create-account name=cli-nats -o json
expect "mnq nats create-account: an account NKEY" \
  "d['name'] == 'cli-nats' and d['id'].startswith('A') and len(d['id']) == 56 and d['endpoint'].startswith('nats://127.0.0.1:')"
nats_acc=$(py "d['id']" || true)
run mnq nats create-credentials nats-account-id="$nats_acc" name=cli-creds -o json
expect "mnq nats create-credentials: a .creds file" \
  "d['credentials']['name'] == 'user.creds' and '-----BEGIN USER NKEY SEED-----' in d['credentials']['content']"
nats_creds=$(py "d['id']" || true)
run mnq nats list-credentials nats-account-id="$nats_acc" -o json
expect "mnq nats list-credentials has it, without the file" \
  "[c['id'] for c in d] == ['$nats_creds'] and d[0]['credentials'] is None"
run mnq nats delete-credentials "$nats_creds"
if [ "$rc" -eq 0 ]; then pass "mnq nats delete-credentials"; else fail "mnq nats delete-credentials (exit $rc)"; fi
run mnq nats delete-account "$nats_acc"
if [ "$rc" -eq 0 ]; then pass "mnq nats delete-account"; else fail "mnq nats delete-account (exit $rc)"; fi
run mnq sqs activate -o json
expect "mnq sqs activate" "d['status'] == 'enabled' and d['sqs_endpoint_url'].endswith('/mnq-sqs/fr-par')"
run mnq sqs get-info -o json
expect "mnq sqs get-info: enabled" "d['status'] == 'enabled'"
run mnq sqs create-credentials name=cli-sqs permissions.can-publish=true -o json
expect "mnq sqs create-credentials" \
  "d['permissions']['can_publish'] is True and d['permissions']['can_manage'] is False and len(d['access_key']) == 20"
sqs_creds=$(py "d['id']" || true)
run mnq sqs update-credentials "$sqs_creds" permissions.can-manage=true -o json
expect "mnq sqs update-credentials" "d['permissions']['can_manage'] is True and d['permissions']['can_publish'] is True"
run mnq sqs delete-credentials "$sqs_creds"
if [ "$rc" -eq 0 ]; then pass "mnq sqs delete-credentials"; else fail "mnq sqs delete-credentials (exit $rc)"; fi
run mnq sqs deactivate -o json
expect "mnq sqs deactivate" "d['status'] == 'disabled'"


# --- billing: what a server did for a day of virtual time, and the month closed on the clock
# clock_advance SECONDS|month: moves scwd's virtual clock (by SECONDS, or past the month's end)
clock_advance() {
  python3 - "$1" <<'PY' >"$tmp/out" 2>"$tmp/err"
import datetime, json, os, sys, urllib.request
def call(method, path, body=None):
    req = urllib.request.Request(os.environ["SCW_API_URL"] + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"X-Auth-Token": os.environ["SCW_SECRET_KEY"],
                                          "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
if sys.argv[1] == "month":
    now = datetime.datetime.fromisoformat(call("GET", "/_scwd/clock")["now"].replace("Z", "+00:00"))
    end = datetime.datetime(now.year + (now.month == 12), now.month % 12 + 1, 1,
                            tzinfo=datetime.timezone.utc)
    seconds = int((end - now).total_seconds()) + 3600
else:
    seconds = int(sys.argv[1])
print(json.dumps(call("POST", "/_scwd/clock/advance", {"seconds": seconds})))
PY
  rc=$?
}
run instance server create type=DEV1-S image=ubuntu_jammy name=cli-billed -w -o json
expect "instance server create -w: a server to bill" "d['state'] == 'running'"
billed=$(py "d['id']" || true)
clock_advance 86400
expect "a day passes on the virtual clock" "'now' in d"
run billing consumption list category-name=Compute -o json
expect "billing consumption list: the day's minutes of DEV1-S, priced" \
  "any(c['sku'] == '/compute/dev1_s/run_par1' and int(c['billed_quantity']) >= 1440 and c['value']['units'] + c['value']['nanos'] > 0 for c in d)"
run billing consumption list-taxes -o json
expect "billing consumption list-taxes: VAT at 20%" "len(d) == 1 and d[0]['rate'] == 0.2"
run instance server terminate "$billed" with-ip=true with-block=true -w
if [ "$rc" -eq 0 ]; then pass "instance server terminate: billing stops"; else fail "instance server terminate (exit $rc)"; fi
clock_advance month
expect "the virtual clock moves past the end of the month" "'now' in d"
run billing invoice list -o json
expect "billing invoice list: the closed month's invoice" \
  "len(d) == 1 and d[0]['type'] == 'periodic' and d[0]['total_undiscount']['units'] + d[0]['total_undiscount']['nanos'] > 0"
inv=$(py "d[0]['id']" || true)
run billing invoice get "$inv" -o json
expect "billing invoice get" "d['id'] == '$inv' and d['seller_name'] == 'Scaleway SAS'"
mkdir -p "$tmp/invoices"
run billing invoice download "$inv" file-path="$tmp/invoices/"
if [ "$rc" -eq 0 ] && head -c 5 "$tmp"/invoices/*.pdf 2>/dev/null | grep -q '%PDF-'; then
  pass "billing invoice download: a PDF file"
else
  fail "billing invoice download: a PDF file (exit $rc; $(ls "$tmp/invoices"))"
fi
run billing invoice export file-path="$tmp/invoices/"
if [ "$rc" -eq 0 ] && grep -qs "$inv" "$tmp"/invoices/*.csv; then
  pass "billing invoice export: a CSV file naming the invoice"
else
  fail "billing invoice export: a CSV file naming the invoice (exit $rc; $(ls "$tmp/invoices"))"
fi
run billing discount list -o json
expect "billing discount list: none redeemed" "d == [] or d is None"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
