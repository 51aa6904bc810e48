#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Does a busy opsagent stay flat? Ten minutes of probing every second under continuous moderate
# HTTP load, sampling the agent's memory, threads and file descriptors.
#
#   bash bench/soak.sh              # as root on Debian 12; about 11 minutes (run it alone)
#   QUICK=1 bash bench/soak.sh      # smoke run: 30 s
#
# Set-up: a throwaway Postgres 15 cluster with IDLE (default 20) idle application sessions, of
# which CHURN (5) are closed and reopened every minute (so the snapshots keep changing);
# `opsagent run` with a throwaway config (config/demo.toml's [readiness] sections, interval 1s,
# other keys at their defaults). For SOAK_SECONDS (600) three wrk processes run at once, each
# throttled by a wrk Lua delay() between requests on each connection:
#   /health/ready  -t1 -c4, keep-alive, 5 ms delay        (up to ~800 requests/s)
#   /status        -t1 -c2, `Connection: close`, 50 ms    (up to ~40 requests/s)
#   /metrics       -t1 -c2, keep-alive, 100 ms            (up to ~20 requests/s)
# Every SAMPLE_EVERY (10) s: VmRSS, VmHWM, threads, open fds and CPU time of the agent.
# Reported: first/last/max of each; memory is called flat when the median VmRSS of the last
# tenth of the run is within FLAT_PCT (5) % of the median of the second tenth (minute 2 of 10).
#
# Environment: QUICK, SOAK_SECONDS, SAMPLE_EVERY, IDLE, CHURN, FLAT_PCT, AGENT_INTERVAL,
# OPSAGENT_BIN, PG_BINDIR, BENCH_OUT (also write the results to this file), BENCH_KEEP_LOGS=1,
# BENCH_NO_INSTALL=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then SOAK_SECONDS="${SOAK_SECONDS:-30}" SAMPLE_EVERY="${SAMPLE_EVERY:-2}"; fi
SOAK_SECONDS="${SOAK_SECONDS:-600}"
SAMPLE_EVERY="${SAMPLE_EVERY:-10}"
IDLE="${IDLE:-20}"
CHURN="${CHURN:-5}"
FLAT_PCT="${FLAT_PCT:-5}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools wrk awk sort
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

say "opsagent soak: ${SOAK_SECONDS}s under moderate load, sampled every ${SAMPLE_EVERY}s"
note "agent: $agent_bin ($("$agent_bin" --version)), built from: $(tree_state)"
note "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
idle_open_to "$IDLE"
config="$bench_dir/agent.toml"
agent_config "$config"
agent_start "$config"
agent="http://127.0.0.1:$agent_port"

# id|path|connections|delay ms|extra wrk arguments
loads=(
  "ready|/health/ready|4|5|"
  "status|/status|2|50|-H|Connection: close"
  "metrics|/metrics|2|100|"
)
samples="$bench_dir/soak.samples"
bg_run sample_loop "$agent_pid" "$SAMPLE_EVERY" "$((SOAK_SECONDS + 5))" "$samples"
wrk_pids=()
for l in "${loads[@]}"; do
  IFS='|' read -r id path conns delay extra1 extra2 <<<"$l"
  printf 'function delay()\n  return %s\nend\n' "$delay" >"$bench_dir/delay.$id.lua"
  args=(-t1 -c"$conns" -d"${SOAK_SECONDS}s" --latency --timeout 10s -s "$bench_dir/delay.$id.lua")
  [ -z "$extra1" ] || args+=("$extra1" "$extra2")
  bg_run wrk "${args[@]}" "$agent$path" >"$bench_dir/wrk.$id.txt"
  wrk_pids+=("${bg_pids[-1]}")
  note "wrk ${args[*]} $agent$path (pid ${bg_pids[-1]})"
done

started=$SECONDS
next_churn=$((started + 60))
while [ $((SECONDS - started)) -lt $((SOAK_SECONDS + 30)) ]; do
  alive=0
  for pid in "${wrk_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 1 ] || break
  kill -0 "$agent_pid" 2>/dev/null || die "the agent exited during the soak"
  if [ "$SECONDS" -ge "$next_churn" ] && [ $((SECONDS - started)) -lt $((SOAK_SECONDS - 10)) ]; then
    idle_close_last "$CHURN"
    idle_open_to "$IDLE"
    next_churn=$((next_churn + 60))
  fi
  if [ $(((SECONDS - started) % 60)) -eq 0 ]; then
    note "$((SECONDS - started)) s: $(tail -n 1 "$samples" | awk '{ printf "VmRSS %s kB, threads %s, fds %s", $2, $4, $5 }'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  fi
  sleep 1
done
for pid in "${wrk_pids[@]}"; do wait "$pid" 2>/dev/null || die "wrk (pid $pid) failed"; done
bg_stop_all
http_status "$agent_port" /health/ready
final_ready="$http_code"

# ---- report ----

# column $1 of the samples: first, last, max; and the median over samples with elapsed in [$2, $3).
col_stats() { awk -v c="$1" 'NR == 1 { f = $c } { l = $c; if ($c > m) m = $c } END { print f, l, m }' "$samples"; }
window_median() { awk -v c="$1" -v a="$2" -v b="$3" '$1 >= a && $1 < b { print $c }' "$samples" | median; }

w=$((SOAK_SECONDS / 10))
early="$(window_median 2 "$w" $((2 * w)))"
late="$(window_median 2 $((SOAK_SECONDS - w)) $((SOAK_SECONDS + 60)))"
drift="$(awk -v a="$early" -v b="$late" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')"
flat="$(awk -v d="$drift" -v p="$FLAT_PCT" 'BEGIN { print (d <= p && d >= -p) ? "flat (pass)" : "NOT flat (FAIL)" }')"
cpu_rate="$(awk 'NR == 1 { t0 = $1; c0 = $6 } { t = $1; c = $6 } END { if (t > t0) printf "%.1f", (c - c0) / (t - t0) / 10; else print "nan" }' "$samples")"

say "Results"
{
  printf '\n| | first | last | max |\n|---|---|---|---|\n'
  read -r f l m < <(col_stats 2)
  printf '| VmRSS kB | %s | %s | %s |\n' "$f" "$l" "$m"
  read -r f l m < <(col_stats 3)
  printf '| VmHWM kB | %s | %s | %s |\n' "$f" "$l" "$m"
  read -r f l m < <(col_stats 4)
  printf '| threads | %s | %s | %s |\n' "$f" "$l" "$m"
  read -r f l m < <(col_stats 5)
  printf '| open fds | %s | %s | %s |\n' "$f" "$l" "$m"
  printf '\nVmRSS median, second tenth of the run (%s-%s s): %s kB; last tenth (%s-%s s): %s kB; change %s%% → %s (±%s%%).\n' \
    "$w" $((2 * w)) "$early" $((SOAK_SECONDS - w)) "$SOAK_SECONDS" "$late" "$drift" "$flat" "$FLAT_PCT"
  printf 'Agent CPU over the soak: %s%% of one CPU (utime+stime). /health/ready after the soak: %s.\n' "$cpu_rate" "$final_ready"
  printf '\n| load | requests | requests/s | p50 ms | p99 ms | non-2xx | socket errors |\n|---|---|---|---|---|---|---|\n'
  for l in "${loads[@]}"; do
    IFS='|' read -r id path conns delay extra1 extra2 <<<"$l"
    wrk_parse "$bench_dir/wrk.$id.txt"
    printf '| %s (-c%s, %s ms delay%s) | %s | %s | %s | %s | %s | %s |\n' "$path" "$conns" "$delay" \
      "${extra2:+, $extra2}" "$wrk_requests" "$wrk_rps" "$wrk_p50_ms" "$wrk_p99_ms" "$wrk_non2xx" "${wrk_error_detail:-0}"
  done
  printf '\nSamples (every %s s; elapsed s, VmRSS kB, VmHWM kB, threads, fds, CPU ms), one per minute:\n\n' "$SAMPLE_EVERY"
  printf '| elapsed s | VmRSS kB | VmHWM kB | threads | fds | CPU ms |\n|---|---|---|---|---|---|\n'
  awk -v every=$((60 / SAMPLE_EVERY > 0 ? 60 / SAMPLE_EVERY : 1)) '(NR - 1) % every == 0 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$samples"
  printf '\nSet-up: %s idle sessions (%s reopened every minute), agent interval %s, %s s; %s CPUs, load average at the end: %s.\n' \
    "$IDLE" "$CHURN" "$AGENT_INTERVAL" "$SOAK_SECONDS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "${BENCH_OUT:-/dev/null}"
printf '\nAll samples:\n' >&2
cat "$samples" >&2
