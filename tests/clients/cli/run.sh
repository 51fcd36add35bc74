#!/usr/bin/env bash
# scw CLI suite: the official `scw` (github.com/scaleway/scaleway-cli/v2, pinned in tool/go.mod +
# tool/go.sum) runs real commands against a real build/scwd.
# Usage: tests/clients/cli/run.sh [BUILD_DIR]   (default: build)
# The binary is built once per version into ${XDG_CACHE_HOME:-~/.cache}/scwd-clients/scw-<ver>/.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
clients_init scw-cli "$@"
require_scwd
command -v python3 >/dev/null 2>&1 || skip "python3 not found (used to read the JSON output)"

ver=$(sed -n 's#^require github.com/scaleway/scaleway-cli/v2 \(v[0-9.]*\)$#\1#p' "$here/tool/go.mod")
[ -n "$ver" ] || { echo "scw-cli: no pinned version in tool/go.mod" >&2; exit 1; }
scw=$(cached_go_tool "$here/tool" github.com/scaleway/scaleway-cli/v2/cmd/scw scw "$ver")

exec bash "$here/suite.sh" "$build/scwd" "$scw"
