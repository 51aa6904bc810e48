#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Is a change to serving as fast as before, in the shape real healthcheckers use? Two agent
# binaries (BEFORE_BIN, AFTER_BIN) run side by side against one throwaway cluster; wrk asks each
# for /health/ready with `Connection: close` (a new connection per request, as Railway, kubelet,
# Docker and load balancers do), at CONNS concurrent clients, rounds interleaved (before, after,
# before, ...) so that both see the same background load. Reported per connection count:
# median over the rounds of requests/s, p50 and p99 for each binary, and the median of the
# same-round ratios after/before (requests/s; p50 and p99 as before/after, so that above 1 is
# better in every column), and the agent's CPU per request. A short run: about 2 minutes with the defaults.
#
#   BEFORE_BIN=/tmp/before/opsagent AFTER_BIN=build-bench/opsagent bash bench/healthcheck_compare.sh
#
# Connection counts, plus `paced`: one checker that waits PACE_MS (20) between checks, as a
# platform's healthcheck does (every few seconds, scaled down to collect enough samples), so that
# each check finds the agent idle rather than warm from the previous one.
#
# Environment: BEFORE_BIN, AFTER_BIN (default: OPSAGENT_BIN, else build/opsagent), ROUNDS (5),
# CONNS ("1 16 paced"), PACE_MS (20), WRK_SECONDS (3), AGENT_INTERVAL (1s), BENCH_OUT,
# BENCH_NO_INSTALL=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-5}"
CONNS="${CONNS:-1 16 paced}"
PACE_MS="${PACE_MS:-20}"
WRK_SECONDS="${WRK_SECONDS:-3}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}"
BEFORE_BIN="${BEFORE_BIN:?set BEFORE_BIN to the agent binary to compare against}"
AFTER_BIN="${AFTER_BIN:-$(find_agent_bin)}"
[ -x "$BEFORE_BIN" ] || die "no agent binary at BEFORE_BIN=$BEFORE_BIN"
[ -x "$AFTER_BIN" ] || die "no agent binary at AFTER_BIN=$AFTER_BIN"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
check_tools wrk awk sort

record() { printf '%s %s %s %s %s\n' "$@" >>"$bench_dir/results"; }  # binary conns round metric value
val() { awk -v b="$1" -v c="$2" -v r="$3" -v k="$4" '$1 == b && $2 == c && $3 == r && $4 == k { print $5 }' "$bench_dir/results"; }
med() { awk -v b="$1" -v c="$2" -v k="$3" '$1 == b && $2 == c && $4 == k { print $5 }' "$bench_dir/results" | median; }
# Median over the rounds of the same-round ratio $2/$3 of metric $1 at $4 connections.
round_ratio() {
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    ratio "$(val "$2" "$4" "$r" "$1")" "$(val "$3" "$4" "$r" "$1")" 3
  done | grep -v '^n/a$' | median
}

declare -A port pid
# Starts binary $2 as agent "$1" (before or after) and remembers its port; the one started last
# is also lib.sh's agent (agent_stop), the other one a background job (bg_stop_all).
start_agent_as() {
  OPSAGENT_BIN="$2" agent_start "$config"
  port[$1]="$agent_port"
  pid[$1]="$agent_pid"
  note "$1: $2 ($("$2" --version)), port ${port[$1]}"
}

run_point() {  # binary $1, connections (or `paced`) $2, round $3
  local threads=2 conns="$2" pacing=() out cpu0 cpu1
  if [ "$2" = paced ]; then
    conns=1
    printf 'function delay() return %s end\n' "$PACE_MS" >"$bench_dir/paced.lua"
    pacing=(-s "$bench_dir/paced.lua")
  fi
  [ "$conns" -ge 2 ] || threads=1
  out="$bench_dir/wrk.$1.$2.$3.txt"
  cpu0="$(process_cpu_ms "${pid[$1]}")"
  wrk -t"$threads" -c"$conns" -d"${WRK_SECONDS}s" "${pacing[@]}" --latency --timeout 10s -H 'Connection: close' \
    "http://127.0.0.1:${port[$1]}/health/ready" >"$out" || die "wrk failed against $1"
  cpu1="$(process_cpu_ms "${pid[$1]}")"
  wrk_parse "$out"
  [ "$wrk_non2xx" = 0 ] && [ "$wrk_errors" = 0 ] ||
    die "$1: $wrk_non2xx non-2xx answers, socket errors: ${wrk_error_detail:-none}"
  record "$1" "$2" "$3" rps "$wrk_rps"
  record "$1" "$2" "$3" p50_ms "$wrk_p50_ms"
  record "$1" "$2" "$3" p99_ms "$wrk_p99_ms"
  # The agent's CPU (user + system, 10 ms ticks) per request: less at the mercy of the
  # scheduler on a busy machine than requests/s at one connection.
  record "$1" "$2" "$3" cpu_us "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$wrk_requests" \
    'BEGIN { if (n > 0) printf "%.1f\n", (b - a) * 1000 / n; else print "nan" }')"
  note "$(printf '%-6s c=%-3s %9s req/s  p50 %7s ms  p99 %7s ms  CPU %s µs/request' "$1" "$2" \
    "$wrk_rps" "$wrk_p50_ms" "$wrk_p99_ms" "$(val "$1" "$2" "$3" cpu_us)")"
}

say "Healthcheck, a new connection per request: before vs after; connections $CONNS; $ROUNDS rounds of ${WRK_SECONDS}s"
note "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cluster_start
config="$bench_dir/agent.toml"
OPSAGENT_BIN="$AFTER_BIN" agent_config "$config"
start_agent_as before "$BEFORE_BIN"
bg_pids+=("${pid[before]}")  # stopped by bench_cleanup's bg_stop_all
start_agent_as after "$AFTER_BIN"

for ((round = 1; round <= ROUNDS; round++)); do
  say "Round $round of $ROUNDS (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  for conns in $CONNS; do
    # Alternate which binary goes first, so neither always follows the other.
    if ((round % 2)); then order="before after"; else order="after before"; fi
    for b in $order; do run_point "$b" "$conns" "$round"; done
  done
done

{
  printf '| connections | requests/s before | after | after/before (same-round median) | p50 ms before / after | before/after | p99 ms before / after | before/after | agent CPU µs/request before / after | before/after |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|\n'
  for conns in $CONNS; do
    printf '| %s | %s | %s | **%s** | %s / %s | %s | %s / %s | %s | %s / %s | %s |\n' "$conns" \
      "$(med before "$conns" rps)" "$(med after "$conns" rps)" "$(round_ratio rps after before "$conns")" \
      "$(med before "$conns" p50_ms)" "$(med after "$conns" p50_ms)" "$(round_ratio p50_ms before after "$conns")" \
      "$(med before "$conns" p99_ms)" "$(med after "$conns" p99_ms)" "$(round_ratio p99_ms before after "$conns")" \
      "$(med before "$conns" cpu_us)" "$(med after "$conns" cpu_us)" "$(round_ratio cpu_us before after "$conns")"
  done
} >"$bench_dir/table.md"
say "Results (median over $ROUNDS rounds; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$bench_dir/table.md" >&2
if [ -n "${BENCH_OUT:-}" ]; then cp "$bench_dir/table.md" "$BENCH_OUT"; fi
