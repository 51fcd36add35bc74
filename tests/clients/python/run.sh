#!/usr/bin/env bash
# Python SDK suite: pytest drives a real scwd through the PyPI package `scaleway` (pinned in
# requirements.txt). Usage: tests/clients/python/run.sh [BUILD_DIR]   (default: build)
# The virtual environment lives in BUILD_DIR/clients/python-venv-<hash of requirements.txt>,
# so a second run reuses it. Without python3 / venv support it prints `SKIP python-sdk: why`
# and exits 0, or 1 when CI=true.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
clients_init python-sdk "$@"
require_scwd
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

req="$here/requirements.txt"
hash="$(sha256sum "$req" | cut -c1-12)"
venv="$build/clients/python-venv-$hash"

if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  mkdir -p "$build/clients"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    # Debian splits ensurepip into python3-venv; install it when we can.
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      pyver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      (apt-get install -y "python${pyver}-venv" || apt-get install -y python3-venv ||
        { apt-get update && apt-get install -y python3-venv; }) >/dev/null 2>&1 || true
    fi
    python3 -m venv "$venv" >/dev/null 2>&1 || { rm -rf "$venv"; skip "python3 -m venv does not work (install python3-venv)"; }
  fi
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
  touch "$venv/.installed"
fi

cd "$here"
export SCWD_BUILD_DIR="$build"
export PYTHONDONTWRITEBYTECODE=1
# -p no:cacheprovider: nothing written into the source tree.
exec "$venv/bin/python" -m pytest -p no:cacheprovider -q -rs "$here"
