#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How much of the agent's resident memory is there before it runs a line of its own? An empty
# C++ program (it reads its own /proc/self/status and exits) linked against the shared libraries
# the agent's binary needs (its DT_NEEDED list, read from the binary), one at a time and all
# together: VmRSS, RssFile and RssAnon of each, the median of RUNS (default 5) runs after one
# warm-up run (so that every page is in the page cache, as for a running agent).
#
#   bash bench/library_floor.sh     # as root on Debian 12, after a build; about 10 seconds
#
# The rows say what loading a library costs in VmRSS: the dynamic linker's relocations, the
# libraries' constructors (cpp-httplib's loads OpenSSL's error strings), and the kernel mapping
# file pages around every page touched (fault-around, 64 KiB). The agent's own code, its heap and
# what it touches at run time (libpq's SCRAM, OpenSSL's provider) come on top: footprint.sh.
#
# Environment: OPSAGENT_BIN (default build/opsagent), RUNS, BENCH_OUT (also write the results
# to this file).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${RUNS:-5}"
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin: build it first (see bench/README.md)"
command -v g++ > /dev/null || die "g++ is needed (apt-get install -y g++)"

work="$(mktemp -d /tmp/opsagent-floor.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cat > "$work/empty.cpp" << 'EOF'
#include <cstdio>
#include <cstring>

int main() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 1;
  char line[256];
  long rss = -1, file = -1, anon = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) std::sscanf(line + 6, "%ld", &rss);
    if (std::strncmp(line, "RssFile:", 8) == 0) std::sscanf(line + 8, "%ld", &file);
    if (std::strncmp(line, "RssAnon:", 8) == 0) std::sscanf(line + 8, "%ld", &anon);
  }
  std::fclose(f);
  std::printf("%ld %ld %ld\n", rss, file, anon);
  return 0;
}
EOF

# The agent's libraries, as the dynamic linker resolves them on this machine.
mapfile -t needed < <(readelf -d "$agent_bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ "${#needed[@]}" -gt 0 ] || die "$agent_bin lists no shared libraries (a static build?)"
ldconfig -p > "$work/ldconfig"
declare -A path_of
for soname in "${needed[@]}"; do
  path="$(awk -v s="$soname" '$1 == s && /x86-64/ && !found { print $NF; found = 1 }' "$work/ldconfig")"
  [ -n "$path" ] || die "cannot find $soname with ldconfig -p"
  path_of[$soname]="$path"
done

# $1: a label; the rest: shared libraries to link (kept even when unused: --no-as-needed).
measure() {
  local label="$1"
  shift
  local bin="$work/empty.$RANDOM"
  g++ -O2 -o "$bin" "$work/empty.cpp" -Wl,--no-as-needed "$@"
  "$bin" > /dev/null
  local rss=() file=() anon=() r f a
  for _ in $(seq "$RUNS"); do
    read -r r f a < <("$bin")
    rss+=("$r") file+=("$f") anon+=("$a")
  done
  printf '| %s | %s | %s | %s |\n' "$label" \
    "$(printf '%s\n' "${rss[@]}" | median)" "$(printf '%s\n' "${file[@]}" | median)" \
    "$(printf '%s\n' "${anon[@]}" | median)"
}

say "library floor of $agent_bin (${#needed[@]} libraries), median of $RUNS runs"
{
  printf '### Library floor (%s, %s)\n\n' "$(date -u '+%d %b %Y %H:%M UTC')" "$(basename "$agent_bin")"
  printf 'An empty C++ program linked against the agent'"'"'s shared libraries (kB, median of %s runs):\n\n' "$RUNS"
  printf '| linked against | VmRSS | RssFile | RssAnon |\n|---|---|---|---|\n'
  measure "nothing but the C++ runtime"
  for soname in "${needed[@]}"; do
    case "$soname" in libstdc++* | libm.so* | libgcc_s* | libc.so*) continue ;; esac
    measure "$soname (and what it needs)" "${path_of[$soname]}"
  done
  all=()
  for soname in "${needed[@]}"; do all+=("${path_of[$soname]}"); done
  measure "**all ${#needed[@]} of the agent's libraries**" "${all[@]}"
} | tee "${BENCH_OUT:-/dev/null}"
