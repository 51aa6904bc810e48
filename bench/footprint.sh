#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What does a running opsagent cost its host? Start-up time, resident memory, threads, file
# descriptors and CPU time, idle and after a million requests.
#
#   bash bench/footprint.sh                    # as root on Debian 12; about 10 minutes
#   PARTS="start idle" bash bench/footprint.sh # only some parts
#   QUICK=1 bash bench/footprint.sh            # smoke run: a few seconds per part
#
# Parts (PARTS, default "start idle load"), against a throwaway Postgres 15 cluster with IDLE
# (default 10) idle application sessions and `opsagent run` with a throwaway config
# (config/demo.toml's [readiness] sections, AGENT_INTERVAL 1s, the other keys at their defaults:
# connect_timeout 3s, fresh_connect_interval 5m; statement_timeout 5s as the demo):
#   start  STARTS (default 10) starts: from the fork to the first HTTP answer on /health/live
#          ("serving") and to the first 200 on /health/ready ("ready"), each polled every ~2 ms
#          (bash /dev/tcp, no fork); medians
#   idle   one agent left alone for IDLE_SECONDS (60): VmRSS, VmHWM, threads, open fds; then CPU
#          time (utime+stime from /proc/PID/stat, 10 ms ticks) over CPU_SECONDS (300) more of
#          idle probing, extrapolated to an hour; the agent's persistent Postgres backend's CPU
#          (/proc/PID/schedstat) over the same window
#   load   REQUESTS (1,000,000) requests to /health/ready with wrk (keep-alive, -t2
#          -c LOAD_CONNS=16, runs of LOAD_CHUNK=20 s until the total is reached, at most
#          LOAD_MAX_SECONDS=900 s): VmRSS, VmHWM, threads and fds before, during (sampled every
#          second), right after and REST_SECONDS (10) after
#
# Environment: QUICK, PARTS, IDLE, STARTS, IDLE_SECONDS, CPU_SECONDS, REQUESTS, LOAD_CONNS,
# LOAD_CHUNK, LOAD_MAX_SECONDS, REST_SECONDS, AGENT_INTERVAL, OPSAGENT_BIN, PG_BINDIR,
# BENCH_OUT (also write the results to this file), BENCH_KEEP_LOGS=1, BENCH_NO_INSTALL=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
  STARTS="${STARTS:-3}" IDLE_SECONDS="${IDLE_SECONDS:-5}" CPU_SECONDS="${CPU_SECONDS:-10}"
  REQUESTS="${REQUESTS:-50000}" LOAD_CHUNK="${LOAD_CHUNK:-3}" REST_SECONDS="${REST_SECONDS:-2}"
fi
PARTS="${PARTS:-start idle load}"
IDLE="${IDLE:-10}"
STARTS="${STARTS:-10}"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
CPU_SECONDS="${CPU_SECONDS:-300}"
REQUESTS="${REQUESTS:-1000000}"
LOAD_CONNS="${LOAD_CONNS:-16}"
LOAD_CHUNK="${LOAD_CHUNK:-20}"
LOAD_MAX_SECONDS="${LOAD_MAX_SECONDS:-900}"
REST_SECONDS="${REST_SECONDS:-10}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools wrk awk sort
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

record() { printf '%s %s %s\n' "$@" >>"$bench_dir/results"; }
med() { awk -v p="$1" -v m="$2" '$1 == p && $2 == m { print $3 }' "$bench_dir/results" | median; }
maxv() { awk -v p="$1" -v m="$2" '$1 == p && $2 == m { if (n++ == 0 || $3 > x) x = $3 } END { print (n ? x : "nan") }' "$bench_dir/results"; }
get() { awk -v p="$1" -v m="$2" '$1 == p && $2 == m { v = $3 } END { print v }' "$bench_dir/results"; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
kb_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Records the footprint of the agent as part $1, point $2 ("rss hwm threads fds").
footprint() {
  local rss hwm threads fds
  read -r rss hwm threads fds < <(proc_footprint "$agent_pid")
  record "$1" "${2}_rss_kb" "$rss"
  record "$1" "${2}_hwm_kb" "$hwm"
  record "$1" "${2}_threads" "$threads"
  record "$1" "${2}_fds" "$fds"
  note "$(printf '%-22s VmRSS %6s kB  VmHWM %6s kB  threads %3s  fds %3s' "$2" "$rss" "$hwm" "$threads" "$fds")"
}

# ---- parts ----

measure_start() {
  local i t_serve t_ready deadline
  for ((i = 1; i <= STARTS; i++)); do
    agent_spawn "$config"
    t_serve="" t_ready=""
    deadline=$((SECONDS + 30))
    while [ -z "$t_ready" ] && [ "$SECONDS" -lt "$deadline" ]; do
      if [ -z "$t_serve" ]; then
        http_status "$agent_port" /health/live
        now_ns
        [ "$http_code" = 000 ] || t_serve="$now"
      fi
      if [ -n "$t_serve" ]; then
        http_status "$agent_port" /health/ready
        now_ns
        [ "$http_code" != 200 ] || t_ready="$now"
      fi
      [ -n "$t_ready" ] || nap 0.002
    done
    [ -n "$t_ready" ] || die "start #$i: not ready within 30 s ($(tail -n 3 "$bench_dir/agent.log"))"
    record start serve_ms "$(ms_between "$agent_spawned_ns" "$t_serve")"
    record start ready_ms "$(ms_between "$agent_spawned_ns" "$t_ready")"
    note "$(printf 'start #%-2d serving after %7s ms, ready after %7s ms' "$i" \
      "$(ms_between "$agent_spawned_ns" "$t_serve")" "$(ms_between "$agent_spawned_ns" "$t_ready")")"
    agent_stop
  done
}

measure_idle() {
  local cpu0 cpu1 b0 b1 pids
  agent_start "$config"
  note "idle for ${IDLE_SECONDS}s (no HTTP requests)"
  sleep "$IDLE_SECONDS"
  footprint idle "after_${IDLE_SECONDS}s"
  mapfile -t pids < <(backend_pids opsagent_bench)
  cpu0="$(process_cpu_ms "$agent_pid")"
  b0="$(backends_cpu_ms "${pids[@]}")"
  note "CPU time over ${CPU_SECONDS}s of idle probing (interval $AGENT_INTERVAL)"
  sleep "$CPU_SECONDS"
  cpu1="$(process_cpu_ms "$agent_pid")"
  b1="$(backends_cpu_ms "${pids[@]}")"
  footprint idle "after_$((IDLE_SECONDS + CPU_SECONDS))s"
  record idle cpu_ms "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')"
  record idle cpu_s_per_hour "$(awk -v a="$cpu0" -v b="$cpu1" -v w="$CPU_SECONDS" 'BEGIN { printf "%.1f", (b - a) / 1000 * 3600 / w }')"
  record idle backend_cpu_s_per_hour "$(awk -v a="$b0" -v b="$b1" -v w="$CPU_SECONDS" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.1f", (b - a) / 1000 * 3600 / w }')"
  record idle cycles "$(health_field '.snapshot.sequence')"
}

measure_load() {
  local total=0 chunk=0 started=$SECONDS url out
  [ -n "$agent_pid" ] || agent_start "$config"
  url="http://127.0.0.1:$agent_port/health/ready"
  footprint load before
  bg_run sample_loop "$agent_pid" 1 "$LOAD_MAX_SECONDS" "$bench_dir/load.samples"
  while [ "$total" -lt "$REQUESTS" ] && [ $((SECONDS - started)) -lt "$LOAD_MAX_SECONDS" ]; do
    chunk=$((chunk + 1))
    out="$bench_dir/wrk.load.$chunk.txt"
    wrk -t2 -c"$LOAD_CONNS" -d"${LOAD_CHUNK}s" --latency --timeout 10s "$url" >"$out" ||
      die "wrk failed on $url"
    wrk_parse "$out"
    total=$((total + wrk_requests))
    record load chunk_requests "$wrk_requests"
    record load chunk_rps "$wrk_rps"
    record load chunk_p99_ms "$wrk_p99_ms"
    record load non2xx "$wrk_non2xx"
    record load errors "$wrk_errors"
    note "$(printf 'wrk run %-3d %8s requests (total %8s)  %9s req/s  p50 %s ms  p99 %s ms  non-2xx %s  socket errors %s' \
      "$chunk" "$wrk_requests" "$total" "$wrk_rps" "$wrk_p50_ms" "$wrk_p99_ms" "$wrk_non2xx" "${wrk_error_detail:-0}")"
  done
  bg_stop_all
  record load total_requests "$total"
  record load seconds $((SECONDS - started))
  footprint load after
  sleep "$REST_SECONDS"
  footprint load "after_${REST_SECONDS}s_rest"
  record load during_max_rss_kb "$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$bench_dir/load.samples")"
  record load during_max_threads "$(awk '{ if ($4 > m) m = $4 } END { print m + 0 }' "$bench_dir/load.samples")"
  record load during_max_fds "$(awk '{ if ($5 > m) m = $5 } END { print m + 0 }' "$bench_dir/load.samples")"
  http_status "$agent_port" /health/ready
  [ "$http_code" = 200 ] || die "/health/ready answers $http_code after the load"
}

# ---- run ----

say "opsagent footprint: $PARTS"
note "agent: $agent_bin ($("$agent_bin" --version)), built from: $(tree_state)"
note "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
idle_open_to "$IDLE"
config="$bench_dir/agent.toml"
agent_config "$config"
for part in $PARTS; do
  say "Part: $part (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  case "$part" in
    start) measure_start ;;
    idle) measure_idle ;;
    load) measure_load ;;
    *) die "unknown part $part (start, idle, load)" ;;
  esac
done

# ---- report ----

say "Results"
{
  if [[ " $PARTS " == *" start "* ]]; then
    # shellcheck disable=SC2016  # backquotes are Markdown
    printf '\nStart-up, %s starts (from the fork of `opsagent run`):\n\n' "$STARTS"
    printf '| | median ms | max ms |\n|---|---|---|\n'
    printf '| first HTTP answer on /health/live (serving) | %s | %s |\n' "$(med start serve_ms)" "$(maxv start serve_ms)"
    printf '| first 200 on /health/ready (first probe cycle passed) | %s | %s |\n' "$(med start ready_ms)" "$(maxv start ready_ms)"
  fi
  if [[ " $PARTS " == *" idle "* ]]; then
    a="after_${IDLE_SECONDS}s" b="after_$((IDLE_SECONDS + CPU_SECONDS))s"
    printf '\nIdle (no HTTP requests, probing every %s):\n\n' "$AGENT_INTERVAL"
    printf '| | VmRSS | VmHWM | threads | open fds |\n|---|---|---|---|---|\n'
    for p in "$a" "$b"; do
      printf '| %s | %s MiB | %s MiB | %s | %s |\n' "${p//_/ }" "$(kb_mib "$(get idle "${p}_rss_kb")")" \
        "$(kb_mib "$(get idle "${p}_hwm_kb")")" "$(get idle "${p}_threads")" "$(get idle "${p}_fds")"
    done
    printf '\nCPU: %s ms of utime+stime in %s s of idle probing = **%s CPU seconds per hour** (extrapolated linearly from the %s s window, 10 ms ticks); the persistent Postgres backend: %s CPU s per hour (same extrapolation; the fresh-connect backends every 30 s are not included). %s cycles completed since the start.\n' \
      "$(get idle cpu_ms)" "$CPU_SECONDS" "$(get idle cpu_s_per_hour)" "$CPU_SECONDS" \
      "$(get idle backend_cpu_s_per_hour)" "$(get idle cycles)"
  fi
  if [[ " $PARTS " == *" load "* ]]; then
    printf '\n%s requests to /health/ready (wrk -t2 -c%s, keep-alive, %s runs of %s s, %s s in all; median %s req/s, worst run p99 %s ms; non-2xx %s, socket errors %s):\n\n' \
      "$(get load total_requests)" "$LOAD_CONNS" "$(awk '$1 == "load" && $2 == "chunk_requests"' "$bench_dir/results" | wc -l)" \
      "$LOAD_CHUNK" "$(get load seconds)" "$(med load chunk_rps)" "$(maxv load chunk_p99_ms)" \
      "$(awk '$1 == "load" && $2 == "non2xx" { s += $3 } END { print s + 0 }' "$bench_dir/results")" \
      "$(awk '$1 == "load" && $2 == "errors" { s += $3 } END { print s + 0 }' "$bench_dir/results")"
    printf '| | VmRSS | VmHWM | threads | open fds |\n|---|---|---|---|---|\n'
    for p in before after "after_${REST_SECONDS}s_rest"; do
      printf '| %s | %s MiB | %s MiB | %s | %s |\n' "${p//_/ }" "$(kb_mib "$(get load "${p}_rss_kb")")" \
        "$(kb_mib "$(get load "${p}_hwm_kb")")" "$(get load "${p}_threads")" "$(get load "${p}_fds")"
    done
    printf '| max during the load (sampled every 1 s) | %s MiB | | %s | %s |\n' \
      "$(kb_mib "$(get load during_max_rss_kb)")" "$(get load during_max_threads)" "$(get load during_max_fds)"
  fi
  printf '\nSet-up: %s idle sessions; agent interval %s; %s CPUs, load average at the end: %s.\n' \
    "$IDLE" "$AGENT_INTERVAL" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "${BENCH_OUT:-/dev/null}"
