#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time over a temporary copy of its seed corpus, so that
# the inputs libFuzzer adds never land in the repository. Used by the `fuzz` ctest tests.
#   run.sh FUZZER SEED_DIR SECONDS ARTIFACT_DIR
# Uses SEED_DIR.dict as the dictionary when it exists. Fails (non-zero) on any crash, sanitizer
# report, leak, timeout or out-of-memory; the input that caused it is kept in ARTIFACT_DIR.
set -euo pipefail
fuzzer="$1" seeds="$2" seconds="$3" artifacts="$4"
[ -d "$seeds" ] || { echo "no seed corpus at $seeds" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/opsagent-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
cp -R "$seeds/." "$work/corpus/"

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$artifacts/")
[ -f "$seeds.dict" ] && args+=(-dict="$seeds.dict")

# Symbolized stack traces: Debian's clang-16 does not ship llvm-symbolizer, any LLVM's will do.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-16 llvm-symbolizer; do
    if command -v "$s" >/dev/null; then
      export ASAN_SYMBOLIZER_PATH="$(readlink -f "$(command -v "$s")")"
      break
    fi
  done
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
"$fuzzer" "${args[@]}" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FUZZ FAILURE: $(basename "$fuzzer") exited with status $status; reproduce with:" >&2
  echo "  $fuzzer $artifacts/<crash-|leak-|timeout-|oom-file>" >&2
  ls -l "$artifacts" >&2 || true
fi
exit "$status"
