#!/usr/bin/env bash
# Installs what scwd needs to build, run and test on Debian 12. Idempotent: installs only what is
# missing. Debian packages come from apt-get, the test client from npm (pinned in tests/sdk).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache mold pkg-config clang-format
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libexpected-dev libfmt-dev libspdlog-dev libcli11-dev
  libssl-dev libsodium-dev zlib1g-dev libhpdf-dev libgtest-dev libgmock-dev libbenchmark-dev libgoogle-perftools-dev
  nodejs npm wrk nginx-light python3
  # The tests' throwaway PostgreSQL clusters (scripts/pg-cluster.sh); the package may also create
  # and start Debian's own cluster on port 5432, which nothing here uses.
  postgresql-15 postgresql-client-15
  # The NATS server Messaging and Queuing's NATS accounts are served by (scwd runs it; the
  # package's own systemd service is not used).
  nats-server
  # pdftotext, with which the billing tests read the invoices' PDFs.
  poppler-utils
)

# `make fuzz` (scripts/fuzz.sh) asks for clang and libFuzzer on top; `make test` never needs them.
if [[ "${1:-}" == --fuzz ]]; then
  PACKAGES+=(clang libclang-rt-14-dev)
fi

# kubectl for tests/sdk/kubectl.test.mjs: Debian's kubernetes-client unless one is installed.
if ! command -v kubectl >/dev/null 2>&1; then PACKAGES+=(kubernetes-client); fi

missing=()
for p in "${PACKAGES[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. a preinstalled Node.js): accept the commands.
  if [[ "$p" == nodejs ]] && command -v node >/dev/null 2>&1; then continue; fi
  if [[ "$p" == npm ]] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pinned official SDK packages used as the end-to-end test client.
if [[ ! -f tests/sdk/node_modules/.package-lock.json ]] ||
   [[ tests/sdk/package-lock.json -nt tests/sdk/node_modules/.package-lock.json ]]; then
  (cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)
fi
# The route-table generator reads the same SDK packages with the TypeScript compiler API.
if [[ ! -f tools/codegen/node_modules/.package-lock.json ]] ||
   [[ tools/codegen/package-lock.json -nt tools/codegen/node_modules/.package-lock.json ]]; then
  (cd tools/codegen && npm ci --no-audit --no-fund --loglevel=error)
fi
