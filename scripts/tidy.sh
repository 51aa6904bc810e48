#!/usr/bin/env bash
# Runs clang-tidy 16 with the checked-in .clang-tidy over the project's own C++ files: every .cpp
# under common/, agent/, probes/, config/ and tests/ that CMake compiles (tests included), and
# through them the project's headers. Fails on any finding; CI requires it clean.
#   scripts/tidy.sh              all of them
#   scripts/tidy.sh PATH...      only the files under these paths (e.g. agent/alerts probes/x.cpp)
# Configures build-tidy/ for its compile_commands.json (and the generated version header); builds
# nothing. TIDY_JOBS overrides the parallelism (default: nproc). The output is kept in
# build-tidy/tidy.log. Files found clean are remembered in ~/.cache/opsagent-tidy
# (OPSAGENT_TIDY_CACHE), keyed by everything the verdict depends on, and skipped until one of
# those changes: a rerun of an unchanged tree takes a minute, not half an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bash scripts/install-deps.sh hardening  # clang-tidy-16

dir=build-tidy
cmake -S . -B "$dir" >/dev/null

# The files to check: the project's own sources in the compilation database. *_fuzz.cpp files are
# only in it when the fuzzers are configured (OPSAGENT_FUZZ, clang): without it they are skipped.
prefixes=("$@")
[ ${#prefixes[@]} -gt 0 ] || prefixes=(common agent probes config tests)
mapfile -t database < <(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$dir/compile_commands.json" |
  sort -u)
files=()
for f in "${database[@]}"; do
  rel="${f#"$root"/}"
  for p in "${prefixes[@]}"; do
    p="${p#./}"
    p="${p%/}"
    if [ "$rel" = "$p" ] || [[ "$rel" == "$p"/* ]]; then
      files+=("$f")
      break
    fi
  done
done
# A set, not `printf | grep -q`: under pipefail grep's early exit kills printf with SIGPIPE, and a
# file early in the database was then reported as missing.
declare -A in_database=()
for f in "${database[@]}"; do in_database["$f"]=1; done
while IFS= read -r f; do
  [ -n "${in_database["$root/$f"]:-}" ] ||
    echo "tidy.sh: $f is not in $dir/compile_commands.json (CMake does not compile it): skipped" >&2
done < <(find "${prefixes[@]}" -name '*.cpp' ! -name '*_fuzz.cpp' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy.sh: no files to check under: ${prefixes[*]}" >&2
  exit 2
fi

# Each file in parallel; a file unchanged (with everything it includes) since it was last found
# clean is not checked again (scripts/tidy_run.py says how that is decided).
log="$dir/tidy.log"
rc=0
python3 scripts/tidy_run.py "$dir" "${files[@]}" 2>&1 | tee "$log" || rc=$?
exit "$rc"
