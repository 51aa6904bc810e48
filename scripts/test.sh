#!/usr/bin/env bash
# Builds opsagent with warnings as errors and runs the whole test suite (unit + integration
# against throwaway Postgres clusters the tests start themselves).
#   scripts/test.sh                  normal build in build/
#   SANITIZE=address scripts/test.sh ASan+UBSan build in build-asan/
#   SANITIZE=thread  scripts/test.sh TSan build in build-tsan/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

sanitize="${SANITIZE:-}"
case "$sanitize" in
  "") dir=build ;;
  address) dir=build-asan ;;
  thread) dir=build-tsan ;;
  *) echo "SANITIZE must be empty, address or thread" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" -DOPSAGENT_WERROR=ON -DOPSAGENT_SANITIZE="$sanitize" >/dev/null
cmake --build "$dir" -j"$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
cd "$dir"
ctest --output-on-failure --timeout 300 -j"$(nproc)"
