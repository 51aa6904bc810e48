#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-16, ASan+UBSan, in build-fuzz/) and runs each one briefly
# over a temporary copy of its seed corpus in tests/fuzz/ (ctest label `fuzz`).
#   bash scripts/fuzz.sh                    10 s per target (CI)
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh   the longer run: 10 min per target
# A crash fails the run; the crashing input is kept in build-fuzz/fuzz-artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh hardening  # clang-16, libclang-rt-16-dev

dir=build-fuzz
# shellcheck disable=SC2086  # OPSAGENT_CMAKE_LAUNCHER: test.sh's ccache option, or empty
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++-16 -DOPSAGENT_FUZZ=ON \
  -DFUZZ_SECONDS="${FUZZ_SECONDS:-10}" ${OPSAGENT_CMAKE_LAUNCHER:-} >/dev/null
cmake --build "$dir" -j"$(nproc)" --target fuzzers  # the fuzz targets only, not `all`
cd "$dir"
ctest -L fuzz --output-on-failure
