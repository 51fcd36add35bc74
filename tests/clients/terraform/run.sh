#!/usr/bin/env bash
# Terraform suite: Terraform (github.com/hashicorp/terraform, pinned in tool/terraform/) with the
# Scaleway provider (github.com/scaleway/terraform-provider-scaleway/v2, pinned in
# tool/provider/) applies, re-plans, refreshes and destroys each configuration in configs/
# against a real build/scwd. Usage: tests/clients/terraform/run.sh [BUILD_DIR [CONFIG...]]
# Both binaries are built once per version into ${XDG_CACHE_HOME:-~/.cache}/scwd-clients/; the
# provider is wired in through a CLI configuration with dev_overrides, so nothing is downloaded.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
clients_init terraform "$@"
require_scwd
command -v python3 >/dev/null 2>&1 || skip "python3 not found (used to check the API)"

pinned() { sed -n "s#^require $1 \(v[0-9.]*\)\$#\1#p" "$2/go.mod"; }
tf_ver=$(pinned github.com/hashicorp/terraform "$here/tool/terraform")
prov_ver=$(pinned github.com/scaleway/terraform-provider-scaleway/v2 "$here/tool/provider")
[ -n "$tf_ver" ] && [ -n "$prov_ver" ] || { echo "terraform: no pinned versions in tool/" >&2; exit 1; }

terraform=$(cached_go_tool "$here/tool/terraform" github.com/hashicorp/terraform terraform "$tf_ver")
provider=$(cached_go_tool "$here/tool/provider" github.com/scaleway/terraform-provider-scaleway/v2 \
  terraform-provider-scaleway "$prov_ver")

# Arguments after BUILD_DIR name configurations to run (default: all).
exec bash "$here/suite.sh" "$build/scwd" "$terraform" "$(dirname "$provider")" "${@:2}"
