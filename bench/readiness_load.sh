#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How much healthcheck traffic can /health/ready take, and does a frozen database slow it down?
# wrk against opsagent's /health/ready, an nginx `return 200` (the reference for "as fast as an
# HTTP server gets") and prometheus-postgres-exporter's /metrics (the peer a user might
# otherwise point a healthcheck at), at several connection counts, with keep-alive and with
# `Connection: close`; then opsagent again while Postgres is frozen (SIGSTOP).
#
#   bash bench/readiness_load.sh            # as root on Debian 12; about 10 minutes
#   QUICK=1 bash bench/readiness_load.sh    # smoke run: 1 round, 2 s per point, 1 and 64 connections
#
# Each point is `wrk -t2 -cN -dWRK_SECONDS --latency --timeout 10s` (-t1 for one connection);
# "close" adds `-H 'Connection: close'` (wrk then reconnects for every request). Nothing is
# pinned. ROUNDS rounds (default 3); within a round every (connections, mode) point runs against
# every server in turn, then Postgres is frozen (postmaster and every process it started:
# SIGSTOP), /health/ready is awaited to answer 503, every point runs against opsagent again, and
# Postgres is thawed (SIGCONT) and the agent awaited ready. So all servers, healthy and frozen,
# are measured under the same background load. Reported: median over the rounds of requests/s,
# p50, p99; the sum of non-2xx answers and socket errors; server CPU per request
# (utime+stime, 10 ms ticks: the agent's or exporter's process, nginx's worker processes);
# ratios opsagent/nginx per point; pass/fail of the target at 64 connections.
#
# Environment: QUICK, ROUNDS, CONNS (default "1 16 64 256"), MODES ("keepalive close"),
# SERVERS ("opsagent nginx exporter"), FROZEN (1: also measure while Postgres is frozen),
# WRK_SECONDS (5), IDLE (10 idle sessions), AGENT_INTERVAL (1s), OPSAGENT_BIN, PG_BINDIR,
# EXPORTER_BIN, BENCH_OUT (also write the results to this file), BENCH_KEEP_LOGS=1,
# BENCH_NO_INSTALL=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then ROUNDS="${ROUNDS:-1}" WRK_SECONDS="${WRK_SECONDS:-2}" CONNS="${CONNS:-1 64}"; fi
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-1 16 64 256}"
MODES="${MODES:-keepalive close}"
SERVERS="${SERVERS:-opsagent nginx exporter}"
FROZEN="${FROZEN:-1}"
WRK_SECONDS="${WRK_SECONDS:-5}"
IDLE="${IDLE:-10}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools wrk nginx awk sort
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

# Appends "server mode conns round metric value" lines to $bench_dir/results.
record() { printf '%s %s %s %s %s %s\n' "$@" >>"$bench_dir/results"; }
med() { awk -v s="$1" -v m="$2" -v c="$3" -v k="$4" '$1 == s && $2 == m && $3 == c && $5 == k { print $6 }' "$bench_dir/results" | median; }
val() { awk -v s="$1" -v m="$2" -v c="$3" -v r="$4" -v k="$5" '$1 == s && $2 == m && $3 == c && $4 == r && $5 == k { print $6 }' "$bench_dir/results"; }
# Median over the rounds of the same-round ratio opsagent/nginx of metric $3 at mode $1, conns $2.
round_ratio() {
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    ratio "$(val opsagent "$1" "$2" "$r" "$3")" "$(val nginx "$1" "$2" "$r" "$3")" 3
  done | grep -v '^n/a$' | median
}
total() { awk -v s="$1" -v m="$2" -v c="$3" -v k="$4" '$1 == s && $2 == m && $3 == c && $5 == k { t += $6 } END { print t + 0 }' "$bench_dir/results"; }

# CPU ms of server $1: the agent or exporter process, or the sum of nginx's workers.
server_cpu_ms() {
  case "$1" in
    opsagent | opsagent_frozen) process_cpu_ms "$agent_pid" ;;
    exporter) process_cpu_ms "$exporter_pid" ;;
    nginx)
      local pid sum=0
      for pid in $(ps -o pid= --ppid "$nginx_pid"); do
        sum="$(awk -v a="$sum" -v b="$(process_cpu_ms "$pid")" 'BEGIN { print a + b }')"
      done
      printf '%s\n' "$sum"
      ;;
  esac
}

server_url() {
  case "$1" in
    opsagent | opsagent_frozen) printf 'http://127.0.0.1:%s/health/ready' "$agent_port" ;;
    nginx) printf 'http://127.0.0.1:%s/health/ready' "$nginx_port" ;;
    exporter) printf 'http://127.0.0.1:%s/metrics' "$exporter_port" ;;
  esac
}

# One wrk run: server $1, mode $2, connections $3, round $4.
run_point() {
  local server="$1" mode="$2" conns="$3" round="$4" threads=2 out cpu0 cpu1 args
  [ "$conns" -ge 2 ] || threads=1
  args=(-t"$threads" -c"$conns" -d"${WRK_SECONDS}s" --latency --timeout 10s)
  [ "$mode" = keepalive ] || args+=(-H "Connection: close")
  out="$bench_dir/wrk.$server.$mode.$conns.$round.txt"
  cpu0="$(server_cpu_ms "$server")"
  wrk "${args[@]}" "$(server_url "$server")" >"$out" || die "wrk failed against $server"
  cpu1="$(server_cpu_ms "$server")"
  wrk_parse "$out"
  record "$server" "$mode" "$conns" "$round" rps "$wrk_rps"
  record "$server" "$mode" "$conns" "$round" p50_ms "$wrk_p50_ms"
  record "$server" "$mode" "$conns" "$round" p99_ms "$wrk_p99_ms"
  record "$server" "$mode" "$conns" "$round" requests "$wrk_requests"
  record "$server" "$mode" "$conns" "$round" non2xx "$wrk_non2xx"
  record "$server" "$mode" "$conns" "$round" errors "$wrk_errors"
  record "$server" "$mode" "$conns" "$round" cpu_us "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$wrk_requests" \
    'BEGIN { if (n > 0) printf "%.1f\n", (b - a) * 1000 / n; else print "nan" }')"
  note "$(printf '%-16s %-9s c=%-3s  %9s req/s  p50 %8s ms  p99 %8s ms  non-2xx %7s  socket errors: %s' \
    "$server" "$mode" "$conns" "$wrk_rps" "$wrk_p50_ms" "$wrk_p99_ms" "$wrk_non2xx" "${wrk_error_detail:-none}")"
}

wait_status() {  # status $1 on /health/ready within $2 s
  local deadline=$((SECONDS + $2))
  while :; do
    http_status "$agent_port" /health/ready
    [ "$http_code" != "$1" ] || return 0
    [ "$SECONDS" -lt "$deadline" ] || die "/health/ready did not answer $1 within $2 s (last: $http_code)"
    sleep 0.1
  done
}

# ---- set-up ----

say "Readiness endpoint load: $SERVERS; connections $CONNS; $MODES; $ROUNDS rounds of ${WRK_SECONDS}s points"
note "agent: $agent_bin ($("$agent_bin" --version)), built from: $(tree_state)"
note "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), nginx $(nginx -v 2>&1 | cut -d/ -f2), exporter: $("$exporter_bin" --version 2>&1 | head -n 1)"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
idle_open_to "$IDLE"
config="$bench_dir/agent.toml"
agent_config "$config"
agent_start "$config"
# nginx answers with the same body as the agent's /health/ready (quotes and $ removed), so both
# send about the same bytes.
body="$(curl -s --max-time 2 "http://127.0.0.1:$agent_port/health/ready" | tr -d "'\$\\\\\n")"
nginx_start "$body"
[[ " $SERVERS " != *" exporter "* ]] || exporter_start
for s in $SERVERS; do
  curl -s -o "$bench_dir/body.$s" -w '%{http_code} %{size_download}\n' "$(server_url "$s")" >"$bench_dir/size.$s"
  note "$s: $(server_url "$s") answers HTTP $(cat "$bench_dir/size.$s") bytes"
done

# ---- rounds ----

for ((round = 1; round <= ROUNDS; round++)); do
  say "Round $round of $ROUNDS (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  for conns in $CONNS; do
    for mode in $MODES; do
      for server in $SERVERS; do run_point "$server" "$mode" "$conns" "$round"; done
    done
  done
  if [ "$FROZEN" = 1 ]; then
    note "freezing Postgres (SIGSTOP)"
    pg_freeze
    wait_status 503 60
    note "/health/ready answers 503 ($(curl -s --max-time 2 "http://127.0.0.1:$agent_port/health/ready" | jq -r .reason))"
    for conns in $CONNS; do
      for mode in $MODES; do run_point opsagent_frozen "$mode" "$conns" "$round"; done
    done
    pg_thaw
    wait_status 200 60
    note "thawed; /health/ready answers 200 again"
  fi
done

# ---- report ----

say "Results (median over $ROUNDS rounds)"
{
  printf '\n| server | mode | connections | requests/s | p50 ms | p99 ms | non-2xx (sum) | socket errors (sum) | server CPU µs/request |\n'
  printf '|---|---|---|---|---|---|---|---|---|\n'
  for server in $SERVERS; do
    for mode in $MODES; do
      for conns in $CONNS; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$server" "$mode" "$conns" \
          "$(med "$server" "$mode" "$conns" rps)" "$(med "$server" "$mode" "$conns" p50_ms)" \
          "$(med "$server" "$mode" "$conns" p99_ms)" "$(total "$server" "$mode" "$conns" non2xx)" \
          "$(total "$server" "$mode" "$conns" errors)" "$(med "$server" "$mode" "$conns" cpu_us)"
      done
    done
  done
  if [[ " $SERVERS " == *" opsagent "* ]] && [[ " $SERVERS " == *" nginx "* ]]; then
    printf '\nopsagent / nginx (requests/s: higher is better for opsagent; p99: lower is better); "of medians" divides the medians above, "same-round" is the median over the rounds of each round'"'"'s ratio:\n\n'
    printf '| mode | connections | requests/s ratio, of medians | same-round | p99 ratio, of medians | same-round | opsagent vs exporter requests/s |\n|---|---|---|---|---|---|---|\n'
    for mode in $MODES; do
      for conns in $CONNS; do
        printf '| %s | %s | %s | %s | %s | %s | %sx |\n' "$mode" "$conns" \
          "$(ratio "$(med opsagent "$mode" "$conns" rps)" "$(med nginx "$mode" "$conns" rps)" 2)" \
          "$(round_ratio "$mode" "$conns" rps)" \
          "$(ratio "$(med opsagent "$mode" "$conns" p99_ms)" "$(med nginx "$mode" "$conns" p99_ms)" 2)" \
          "$(round_ratio "$mode" "$conns" p99_ms)" \
          "$(ratio "$(med opsagent "$mode" "$conns" rps)" "$(med exporter "$mode" "$conns" rps)" 0)"
      done
    done
    if [[ " $CONNS " == *" 64 "* ]]; then
      printf '\nTarget at 64 connections: opsagent ≥ 0.5 × nginx requests/s, p99 ≤ nginx p99, no errors, far ahead of the exporter:\n\n'
      # pass only when both the ratio of the medians and the median same-round ratio pass.
      for mode in $MODES; do
        r="$(ratio "$(med opsagent "$mode" 64 rps)" "$(med nginx "$mode" 64 rps)" 2)"
        rr="$(round_ratio "$mode" 64 rps)"
        p="$(ratio "$(med opsagent "$mode" 64 p99_ms)" "$(med nginx "$mode" 64 p99_ms)" 2)"
        pr="$(round_ratio "$mode" 64 p99_ms)"
        e=$(($(total opsagent "$mode" 64 errors) + $(total opsagent "$mode" 64 non2xx)))
        x="$(ratio "$(med opsagent "$mode" 64 rps)" "$(med exporter "$mode" 64 rps)" 0)"
        printf -- '- %s: requests/s %s (of medians) / %s (same-round) of nginx'"'"'s: %s; p99 %s / %s x nginx'"'"'s: %s; errors + non-2xx %s: %s; %sx the exporter'"'"'s requests/s\n' "$mode" \
          "$r" "$rr" "$(awk -v a="$r" -v b="$rr" 'BEGIN { print (a != "n/a" && a >= 0.5 && b >= 0.5) ? "pass" : "FAIL" }')" \
          "$p" "$pr" "$(awk -v a="$p" -v b="$pr" 'BEGIN { print (a != "n/a" && a <= 1.0 && b <= 1.0) ? "pass" : "FAIL" }')" \
          "$e" "$([ "$e" -eq 0 ] && echo pass || echo FAIL)" "$x"
      done
    fi
  fi
  if [ "$FROZEN" = 1 ]; then
    printf '\nopsagent /health/ready while Postgres is frozen (every answer is an expected 503) vs healthy, same rounds:\n\n'
    printf '| mode | connections | healthy requests/s | frozen requests/s | frozen/healthy | healthy p99 ms | frozen p99 ms | frozen non-2xx / requests | socket errors frozen |\n'
    printf '|---|---|---|---|---|---|---|---|---|\n'
    for mode in $MODES; do
      for conns in $CONNS; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |\n' "$mode" "$conns" \
          "$(med opsagent "$mode" "$conns" rps)" "$(med opsagent_frozen "$mode" "$conns" rps)" \
          "$(ratio "$(med opsagent_frozen "$mode" "$conns" rps)" "$(med opsagent "$mode" "$conns" rps)" 2)" \
          "$(med opsagent "$mode" "$conns" p99_ms)" "$(med opsagent_frozen "$mode" "$conns" p99_ms)" \
          "$(total opsagent_frozen "$mode" "$conns" non2xx)" "$(total opsagent_frozen "$mode" "$conns" requests)" \
          "$(total opsagent_frozen "$mode" "$conns" errors)"
      done
    done
  fi
  printf '\nBodies: '
  for s in $SERVERS; do printf '%s %s bytes; ' "$s" "$(cut -d' ' -f2 "$bench_dir/size.$s")"; done
  printf '\nSet-up: wrk -t2 (-t1 at 1 connection) -d%ss --latency --timeout 10s, %s rounds, nothing pinned; %s idle sessions; agent interval %s; %s CPUs, load average at the end: %s.\n' \
    "$WRK_SECONDS" "$ROUNDS" "$IDLE" "$AGENT_INTERVAL" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "${BENCH_OUT:-/dev/null}"
