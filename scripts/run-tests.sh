#!/usr/bin/env bash
# Runs every test: GoogleTest unit tests (ctest), the generated-code checks, the other official
# clients' suites (tests/clients/*/run.sh), then the end-to-end tests through the official JS SDK. Ends with the runners' summary lines.
# Then once more on PostgreSQL: a throwaway cluster (scripts/pg-cluster.sh) for the store
# conformance tests and the end-to-end suites, which find it through SCWD_TEST_PG.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
status=0
failed=() # the steps that failed, listed again at the very end: CI may keep only the last lines
fail() { status=1; failed+=("$1"); }
# The first runs are on SQLite whatever the caller's environment says.
unset SCWD_TEST_PG

echo "== unit tests (GoogleTest via ctest)"
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$(nproc)") || fail "unit tests"

echo "== generated code is current"
node tools/codegen/gen.mjs --check || fail "generated code"
"$BUILD_DIR"/scwd routes --served-json > "$BUILD_DIR/served.json" || fail "served routes"
node tools/codegen/gen.mjs --coverage "$BUILD_DIR/served.json" --out "$BUILD_DIR/coverage.md" \
  && { diff -q "$BUILD_DIR/coverage.md" docs/coverage.md >/dev/null \
       || { echo "docs/coverage.md is stale: run 'make coverage'"; fail "coverage"; }; } \
  || fail "coverage"

# The other official clients, each installed (pinned, cached) by its own script; a missing
# toolchain is reported as SKIP here and is a failure in CI (CI=true).
for suite in tests/clients/*/run.sh; do
  echo "== end-to-end tests: $suite"
  "$suite" "$BUILD_DIR" || fail "$suite"
done

echo "== end-to-end tests (official JS SDK against build/scwd)"
(cd tests/sdk && npm test) || fail "JS SDK"

# ---- the same on PostgreSQL, in a cluster of its own (never the system one) that dies with us
pg_dir=$(mktemp -d)
summary() {
  scripts/pg-cluster.sh stop "$pg_dir"
  if ((${#failed[@]})); then
    printf '== FAILED: %s\n' "${failed[@]}"
  else
    echo "== every step passed"
  fi
}
trap summary EXIT
trap 'exit 130' INT TERM # exit through the EXIT trap
echo "== starting a throwaway PostgreSQL cluster in $pg_dir"
if pg_url=$(scripts/pg-cluster.sh start "$pg_dir"); then
  export SCWD_TEST_PG=$pg_url

  echo "== store conformance tests (GoogleTest) on PostgreSQL"
  # in the build directory, where ctest runs them too
  (cd "$BUILD_DIR" && ./scwd_tests --gtest_filter='*Postgres*:*postgres*') || fail "store conformance on PostgreSQL"

  echo "== end-to-end tests (official JS SDK against build/scwd) on PostgreSQL"
  (cd tests/sdk && npm test) || fail "JS SDK on PostgreSQL"

  for suite in tests/clients/*/run.sh; do
    echo "== end-to-end tests: $suite on PostgreSQL"
    "$suite" "$BUILD_DIR" || fail "$suite on PostgreSQL"
  done
else
  echo "PostgreSQL cluster did not start: the PostgreSQL runs are missing"
  fail "PostgreSQL cluster"
fi

exit $status
