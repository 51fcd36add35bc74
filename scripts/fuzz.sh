#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang (ASan + UBSan) in their own build directory
# and runs each for a bounded time, starting from the checked-in seed corpus (fuzz/corpus/<name>).
# Inputs the fuzzer finds go to $FUZZ_DIR/corpus/<name> (never into the repository); a crash
# leaves its input in $FUZZ_DIR/artifacts/<name>/ and makes this script fail.
#   FUZZ_SECONDS  time per harness (default 30)
#   FUZZ_TARGETS  harnesses to run (default: request router validate pattern)
#   FUZZ_DIR      build directory (default build-fuzz)
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TARGETS=${FUZZ_TARGETS:-request router validate pattern}
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}

scripts/install-deps.sh --fuzz || exit 1

if [[ ! -f "$FUZZ_DIR/build.ninja" ]]; then
  cmake -S . -B "$FUZZ_DIR" -G Ninja -DSCWD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ || exit 1
fi
targets=()
for t in $FUZZ_TARGETS; do targets+=("${t}_fuzz"); done
cmake --build "$FUZZ_DIR" -j "$JOBS" --target "${targets[@]}" || exit 1

status=0
summary=()
for t in $FUZZ_TARGETS; do
  work="$FUZZ_DIR/corpus/$t"
  artifacts="$FUZZ_DIR/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  echo "== fuzz $t for ${FUZZ_SECONDS}s"
  # -timeout: an input taking longer than 10 s is a hang; -rss_limit_mb: one that needs more
  # than 2 GB is a leak or a blow-up. Both count as failures.
  "$FUZZ_DIR/${t}_fuzz" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$t" \
    >"$FUZZ_DIR/$t.log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$FUZZ_DIR/$t.log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$FUZZ_DIR/$t.log" | tail -1)
  if ((rc != 0)); then
    status=1
    summary+=("$t: FAILED (exit $rc) after ${runs:-?} runs; see $FUZZ_DIR/$t.log and $artifacts/")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|invariant broken)' "$FUZZ_DIR/$t.log" | head -5
  else
    summary+=("$t: ok, ${runs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) inputs")
  fi
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $status
