#!/usr/bin/env bash
# Builds opsagent and runs its tests. Two commands, one per question:
#   bash scripts/test.sh             does it work?  build + the whole suite (~10 min on 2 cores)
#   bash scripts/test.sh hardening   is it hardened? clang-tidy, fuzzers, ASan+UBSan, TSan (~70 min
#                                    the first time; a rerun compiles and rechecks only what changed)
# CI (.ci/run) runs the first, then the second. The stages, fastest feedback first:
#   build   g++, warnings as errors, the whole suite (unit + integration against throwaway
#           Postgres clusters the tests start themselves)               in build/
#   tidy    clang-tidy 16 with the checked-in .clang-tidy, no findings    (scripts/tidy.sh)
#   fuzz    every libFuzzer target for FUZZ_SECONDS (default 10) each    (scripts/fuzz.sh)
#   asan    the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer   in build-asan/
#   tsan    the whole suite under ThreadSanitizer                                 in build-tsan/
# Usage: scripts/test.sh [STAGE...]   where a stage is one of the above, `hardening` (tidy fuzz
# asan tsan) or `all`; no stage: build. SANITIZE=address|thread scripts/test.sh runs just that
# sanitizer's stage. Stops at the first failing stage and ends with the line
# `opsagent: N passed, F failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

stages=()
for arg in "$@"; do
  case "$arg" in
    hardening) stages+=(tidy fuzz asan tsan) ;;
    all) stages+=(build tidy fuzz asan tsan) ;;
    build | tidy | fuzz | asan | tsan) stages+=("$arg") ;;
    *) echo "unknown stage '$arg' (build, tidy, fuzz, asan, tsan, hardening, all)" >&2; exit 2 ;;
  esac
done
if [ ${#stages[@]} -eq 0 ]; then
  case "${SANITIZE:-}" in
    "") stages=(build) ;;
    address) stages=(asan) ;;
    thread) stages=(tsan) ;;
    *) echo "SANITIZE must be empty, address or thread" >&2; exit 2 ;;
  esac
fi

# Only the build stage: what the suite needs. Anything more: clang-16 and clang-tidy-16 too.
group="test"
for stage in "${stages[@]}"; do [ "$stage" = build ] || group=hardening; done
bash scripts/install-deps.sh "$group"

# The suite's builds (and the fuzzers') go through ccache: a rerun compiles only what changed,
# in any clone of the project (paths are taken relative to the checkout, and the working
# directory kept out of the key).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export OPSAGENT_CMAKE_LAUNCHER="${launcher[*]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# The suppressions only name an uninstrumented library (see the file).
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}:suppressions=$PWD/tests/sanitizers/tsan.supp"

passed=0
failed=0
# Builds in $1 with the sanitizer $2 and runs the whole suite there with ctest. The build type
# is explicit, so a directory configured otherwise before (e.g. build/ as Release by hand) is
# switched back rather than tested in a type CI never sees.
suite() {
  local dir="$1" sanitize="$2" log
  echo "==> suite in $dir (sanitizer: ${sanitize:-none})"
  # Called in an `||` list, where `set -e` does not apply: a failed build is counted here.
  if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPSAGENT_WERROR=ON \
    -DOPSAGENT_SANITIZE="$sanitize" "${launcher[@]}" >/dev/null || ! cmake --build "$dir" -j"$(nproc)"; then
    echo "==> the build in $dir failed"
    failed=$((failed + 1))
    return 1
  fi
  log="$dir/ctest.log"
  local rc=0
  (cd "$dir" && ctest --output-on-failure --timeout 300 -j"$(nproc)") 2>&1 | tee "$log" || rc=$?
  count "$log"
  return "$rc"
}
# Adds ctest's "N% tests passed, F tests failed out of T" from log $1 to the totals.
count() {
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1) || return 0
  bad=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}

status=0
timings=()
for stage in "${stages[@]}"; do
  stage_start=$SECONDS
  case "$stage" in
    build) suite build "" || status=1 ;;
    asan) suite build-asan address || status=1 ;;
    tsan) suite build-tsan thread || status=1 ;;
    tidy) bash scripts/tidy.sh || { status=1; failed=$((failed + 1)); } ;;
    fuzz)
      rc=0
      bash scripts/fuzz.sh 2>&1 | tee /tmp/opsagent-fuzz.$$.log || rc=$?
      count /tmp/opsagent-fuzz.$$.log
      rm -f /tmp/opsagent-fuzz.$$.log
      [ "$rc" -eq 0 ] || status=1
      ;;
  esac
  timings+=("$stage $((SECONDS - stage_start))s")
  echo "==> $stage took $((SECONDS - stage_start)) s"
  # Stop at the first failing stage: later ones would only take time.
  [ "$status" -eq 0 ] || break
done
echo
echo "stages: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g')"
echo "opsagent: $passed passed, $failed failed"
exit "$status"
