#!/usr/bin/env bash
# The Terraform suite proper (run through run.sh): suite.sh SCWD_BIN TERRAFORM_BIN PROVIDER_DIR
#   [CONFIG...]
# Starts a fresh `scwd serve` on a random 127.0.0.1 port and, for each configuration in configs/
# (or those named), in a scratch copy: `apply`; `plan -detailed-exitcode`, which must find no
# changes (a difference means scwd renders a field otherwise than the provider expects); when the
# configuration has an update/ folder, its files applied over it as updates in place (nothing
# replaced) and the plan again; `refresh` and the same plan again; `destroy`; then the API is
# listed to check that the apply made resources and that the destroy left none. Prints PASS/FAIL
# per step and `N passed, N failed`.
set -uo pipefail

scwd_bin=$1
tf=$2
provider_dir=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
suite_start terraform "$scwd_bin"

# The provider comes from PROVIDER_DIR only; Terraform asks no registry and no update server.
cat >"$tmp/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "scaleway/scaleway" = "$provider_dir"
  }
  direct {}
}
RC
# The provider reaches Messaging and Queuing's SQS and SNS endpoints with AWS's Go SDK: none of
# the developer's AWS settings may reach it (a CA bundle, a profile, other credentials).
for v in $(compgen -e | grep '^AWS_'); do unset "$v"; done
export TF_CLI_CONFIG_FILE="$tmp/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export TF_INPUT=0 TF_VAR_project_id="$SCW_DEFAULT_PROJECT_ID"
export TF_VAR_organization_id="$SCW_DEFAULT_ORGANIZATION_ID"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
  failed=$((failed + 1)); echo "FAIL $1"
  [ -s "$tmp/log" ] && grep -v '^\s*$' "$tmp/log" | grep -v 'Provider development overrides' |
    tail -40 | sed 's/^/    /'
  return 0
}
# tf DIR ARGS...: runs terraform in DIR, output in $tmp/log, exit code in $rc
tf() {
  local dir=$1
  shift
  (cd "$dir" && timeout 600 "$tf" "$@" -no-color) >"$tmp/log" 2>&1 </dev/null
  rc=$?
}
inventory() { python3 "$here/inventory.py" "$@" >"$tmp/log" 2>&1; }

configs=("$@")
if [ ${#configs[@]} -eq 0 ]; then
  for d in "$here"/configs/*/; do configs+=("$(basename "$d")"); done
fi

for name in "${configs[@]}"; do
  work="$tmp/work/$name"
  mkdir -p "$work"
  cp "$here/configs/$name"/*.tf "$work/"
  # Files the configuration reads (a function's zip).
  cp "$here/configs/$name"/*.zip "$work/" 2>/dev/null || true
  inventory "$work/before.json" || { fail "$name: list the API before apply"; continue; }

  tf "$work" apply -auto-approve
  if [ "$rc" -ne 0 ]; then
    fail "$name: apply"
  else
    pass "$name: apply"
    inventory "$work/applied.json"
    if python3 "$here/inventory.py" --new "$work/before.json" "$work/applied.json" >/dev/null; then
      echo "" >"$tmp/log"; fail "$name: apply made resources that the API lists"
    fi
    tf "$work" plan -detailed-exitcode
    if [ "$rc" -eq 0 ]; then pass "$name: plan after apply: no changes"; else
      fail "$name: plan after apply: no changes (exit $rc)"; fi
    # A configuration's update/ holds the same resources with changed attributes: applied as
    # updates in place, after which the plan must be empty again.
    if [ -d "$here/configs/$name/update" ]; then
      cp "$here/configs/$name/update"/*.tf "$work/"
      tf "$work" apply -auto-approve
      if [ "$rc" -eq 0 ] && ! grep -qE '[1-9][0-9]* to (add|destroy)' "$tmp/log" &&
        grep -qE '[1-9][0-9]* to change' "$tmp/log"; then
        pass "$name: update in place"
      else
        fail "$name: update in place (exit $rc; nothing replaced, something changed)"
      fi
      tf "$work" plan -detailed-exitcode
      if [ "$rc" -eq 0 ]; then pass "$name: plan after update: no changes"; else
        fail "$name: plan after update: no changes (exit $rc)"; fi
    fi
    tf "$work" refresh
    if [ "$rc" -eq 0 ]; then pass "$name: refresh"; else fail "$name: refresh (exit $rc)"; fi
    tf "$work" plan -detailed-exitcode
    if [ "$rc" -eq 0 ]; then pass "$name: plan after refresh: no changes"; else
      fail "$name: plan after refresh: no changes (exit $rc)"; fi
  fi

  tf "$work" destroy -auto-approve
  if [ "$rc" -eq 0 ]; then pass "$name: destroy"; else fail "$name: destroy (exit $rc)"; fi
  if inventory "$work/after.json" &&
    python3 "$here/inventory.py" --new "$work/before.json" "$work/after.json" >"$tmp/log"; then
    pass "$name: nothing left behind"
  else
    fail "$name: nothing left behind"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
