#!/usr/bin/env bash
# Runs clang-tidy 16 with the checked-in .clang-tidy over the project's own C++ files: every .cpp
# under common/, agent/, probes/, config/ and tests/ that CMake compiles (tests included), and
# through them the project's headers. Fails on any finding; CI requires it clean.
#   scripts/tidy.sh              all of them
#   scripts/tidy.sh PATH...      only the files under these paths (e.g. agent/alerts probes/x.cpp)
# Configures build-tidy/ for its compile_commands.json (and the generated version header); builds
# nothing. TIDY_JOBS overrides the parallelism (default: nproc). The full output is kept in
# build-tidy/tidy.log.
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
while IFS= read -r f; do
  printf '%s\n' "${database[@]}" | grep -qxF "$root/$f" ||
    echo "tidy.sh: $f is not in $dir/compile_commands.json (CMake does not compile it): skipped" >&2
done < <(find "${prefixes[@]}" -name '*.cpp' ! -name '*_fuzz.cpp' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy.sh: no files to check under: ${prefixes[*]}" >&2
  exit 2
fi

# run-clang-tidy takes regexes: one anchored, escaped regex per file.
regexes=()
for f in "${files[@]}"; do
  regexes+=("^$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$f")\$")
done
log="$dir/tidy.log"
rc=0
run-clang-tidy-16 -clang-tidy-binary clang-tidy-16 -p "$dir" -j"${TIDY_JOBS:-$(nproc)}" -quiet \
  "${regexes[@]}" >"$log" 2>&1 || rc=$?
# Show the diagnostics, without the invocation lines and clang's "N warnings generated." counts
# (nearly all of them in system headers, which are not checked).
grep -vE '^clang-tidy-16 |^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$log" || true

# A finding in a header is reported once per file that includes it: count each once.
findings=$({ grep -E '^/.+:[0-9]+:[0-9]+: (warning|error): ' "$log" || true; } | sort -u | wc -l)
if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then
  echo "clang-tidy: ${#files[@]} files, failed without a finding (see above or $log)"
  exit 1
fi
echo "clang-tidy: ${#files[@]} files, $findings findings"
[ "$rc" -eq 0 ] && [ "$findings" -eq 0 ]
