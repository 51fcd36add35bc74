#!/usr/bin/env bash
# Runs every test: GoogleTest unit tests (ctest), the generated-code checks, the other official
# clients' suites (tests/clients/*/run.sh), then the end-to-end tests through the official JS SDK. Ends with the runners' summary lines.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
status=0

echo "== unit tests (GoogleTest via ctest)"
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$(nproc)") || status=1

echo "== generated code is current"
node tools/codegen/gen.mjs --check || status=1
"$BUILD_DIR"/scwd routes --served-json > "$BUILD_DIR/served.json" || status=1
node tools/codegen/gen.mjs --coverage "$BUILD_DIR/served.json" --out "$BUILD_DIR/coverage.md" \
  && { diff -q "$BUILD_DIR/coverage.md" docs/coverage.md >/dev/null \
       || { echo "docs/coverage.md is stale: run 'make coverage'"; status=1; }; } || status=1

# The other official clients, each installed (pinned, cached) by its own script; a missing
# toolchain is reported as SKIP here and is a failure in CI (CI=true).
for suite in tests/clients/*/run.sh; do
  echo "== end-to-end tests: $suite"
  "$suite" "$BUILD_DIR" || status=1
done

echo "== end-to-end tests (official JS SDK against build/scwd)"
(cd tests/sdk && npm test) || status=1

exit $status
