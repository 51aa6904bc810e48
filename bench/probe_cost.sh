#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What does watching Postgres cost Postgres? opsagent's probe cycle against one scrape of
# prometheus-postgres-exporter (Debian package, default collectors), counted by
# pg_stat_statements on a throwaway cluster, with 10 and then 90 idle application sessions open.
#
#   bash bench/probe_cost.sh            # as root on Debian 12; about 3 minutes
#
# For each number of idle sessions (IDLE_LEVELS, default "10 90") and each of REPS repetitions
# (default 3), it resets pg_stat_statements, runs one subject, and reads back the statements
# executed by that subject's role (opsagent_bench or exporter_bench, so nothing else is counted):
#   check  `opsagent check --json --config config/demo.toml`, K times (default 20): a new process,
#          so each cycle includes connecting and the session set-up statement
#   run    a running `opsagent run --config config/demo.toml` (interval 1s) for RUN_WINDOW
#          seconds (default 20), counted over whole cycles only: the steady-state cycle
#   scrape `curl /metrics` of our own exporter instance, K times
# Per cycle or scrape: statements (sum of calls), server execution and planning time (ms, from
# total_exec_time / total_plan_time), new connections (from log_connections) and rows returned.
# Also opsagent's own cycle duration (snapshot.duration_ms from check --json and from /health)
# and the wall time of one exporter scrape. Medians over the repetitions; ratios exporter/agent
# from the same run.
#
# Environment: K, REPS, RUN_WINDOW, IDLE_LEVELS, OPSAGENT_BIN, PG_BINDIR, EXPORTER_BIN,
# BENCH_KEEP_LOGS=1 (keep the cluster's and the agent's logs in /tmp/opsagent-bench.*.logs),
# QUICK=1 (a smoke run: K=3, REPS=1, RUN_WINDOW=4, 10 idle sessions). For 500 idle sessions:
# IDLE_LEVELS="90 500" PG_MAX_CONNECTIONS=600.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "${QUICK:-0}" = 1 ]; then  # a smoke run: does it work at all
  K="${K:-3}" REPS="${REPS:-1}" RUN_WINDOW="${RUN_WINDOW:-4}" IDLE_LEVELS="${IDLE_LEVELS:-10}"
fi
K="${K:-20}"
REPS="${REPS:-3}"
RUN_WINDOW="${RUN_WINDOW:-20}"
IDLE_LEVELS="${IDLE_LEVELS:-10 90}"
config="$bench_root/config/demo.toml"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools awk sort
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

# ---- accounting ----

stats_reset() { su_psql -c "SELECT pg_stat_statements_reset()" >/dev/null; }

# "calls exec_ms plan_ms rows" summed over the statements of role $1.
stats_sum() {
  su_psql -F ' ' -c "
    SELECT coalesce(sum(s.calls), 0), coalesce(sum(s.total_exec_time), 0),
           coalesce(sum(s.total_plan_time), 0), coalesce(sum(s.rows), 0)
    FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
    WHERE r.rolname = '$1'"
}

# Markdown rows, one per statement of role $1: calls per cycle ($2 cycles), mean exec and plan
# ms per call, rows per call, the statement text (whitespace squeezed, cut at 120 characters).
stats_detail() {
  su_psql -F ' | ' -c "
    SELECT '| ' || round(s.calls::numeric / $2, 2), round((s.total_exec_time / s.calls)::numeric, 3),
           round((s.total_plan_time / s.calls)::numeric, 3), round(s.rows::numeric / s.calls, 1),
           '\`' || replace(left(regexp_replace(s.query, '\s+', ' ', 'g'), 120), '|', '\|') || '\` |'
    FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
    WHERE r.rolname = '$1'
    ORDER BY s.total_exec_time DESC"
}

log_offset() { stat -c %s "$bench_dir/server.log"; }

# New sessions of role $1 authorized since log offset $2.
connections_since() {
  tail -c +"$(($2 + 1))" "$bench_dir/server.log" | grep -c "connection authorized: user=$1 " || true
}

# Appends "level subject rep metric value" lines to $bench_dir/results.
record() { printf '%s %s %s %s %s\n' "$@" >>"$bench_dir/results"; }

# record_per_cycle level subject rep role cycles log_offset: the per-cycle accounting.
record_per_cycle() {
  local level="$1" subject="$2" rep="$3" role="$4" cycles="$5" off="$6" calls exec plan rows conns
  read -r calls exec plan rows < <(stats_sum "$role")
  conns="$(connections_since "$role" "$off")"
  record "$level" "$subject" "$rep" cycles "$cycles"
  record "$level" "$subject" "$rep" statements "$(ratio "$calls" "$cycles" 2)"
  record "$level" "$subject" "$rep" exec_ms "$(ratio "$exec" "$cycles" 3)"
  record "$level" "$subject" "$rep" plan_ms "$(ratio "$plan" "$cycles" 3)"
  record "$level" "$subject" "$rep" server_ms "$(ratio "$(awk -v a="$exec" -v b="$plan" 'BEGIN { print a + b }')" "$cycles" 3)"
  record "$level" "$subject" "$rep" rows "$(ratio "$rows" "$cycles" 1)"
  record "$level" "$subject" "$rep" connections "$(ratio "$conns" "$cycles" 2)"
  if [ "$rep" = "$REPS" ]; then
    stats_detail "$role" "$cycles" >"$bench_dir/detail.$level.$subject"
  fi
}

# ($2 - $1) / $3, 3 decimals; nan if either reading is.
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (a == "nan" || b == "nan" || n == 0) print "nan"; else printf "%.3f\n", (b - a) / n }'; }

# Median over the repetitions of one metric.
med() { awk -v l="$1" -v s="$2" -v m="$3" '$1 == l && $2 == s && $4 == m { print $5 }' "$bench_dir/results" | median; }

# ---- the three subjects ----

measure_check() {
  local level="$1" rep i rc t0 t1 off cpu0
  DATABASE_URL="$(agent_url)" "$agent_bin" check --config "$config" >/dev/null || true  # warm-up
  for ((rep = 1; rep <= REPS; rep++)); do
    off="$(log_offset)"
    stats_reset
    cpu0="$(reaped_backends_cpu_ms)"
    for ((i = 1; i <= K; i++)); do
      rc=0
      t0="$(date +%s%N)"
      DATABASE_URL="$(agent_url)" "$agent_bin" check --json --config "$config" \
        >"$bench_dir/check.json" 2>"$bench_dir/check.err" || rc=$?
      t1="$(date +%s%N)"
      if [ "$rc" -gt 1 ]; then
        cat "$bench_dir/check.json" "$bench_dir/check.err" >&2
        die "opsagent check exited $rc (not ready)"
      fi
      record "$level" check "$rep" duration_ms "$(jq -r '.snapshot.duration_ms' "$bench_dir/check.json")"
      record "$level" check "$rep" wall_ms "$(ratio $((t1 - t0)) 1000000 3)"
    done
    sleep 0.5  # let the postmaster reap the last backend
    record "$level" check "$rep" backend_cpu_ms "$(per "$cpu0" "$(reaped_backends_cpu_ms)" "$K")"
    record_per_cycle "$level" check "$rep" opsagent_bench "$K" "$off"
  done
}

measure_run() {
  local level="$1" rep seq0 seq end off line pids cpu0
  agent_start "$config"
  for ((rep = 1; rep <= REPS; rep++)); do
    # Reset right after a snapshot is published: the next cycle starts ~1 s later, so the
    # window holds whole cycles only; read back right after the last one is published.
    line="$(next_snapshot "$(health_field '.snapshot.sequence')")"
    off="$(log_offset)"
    stats_reset
    mapfile -t pids < <(backend_pids opsagent_bench)
    cpu0="$(backends_cpu_ms "${pids[@]}")"
    seq0="${line%% *}"
    seq="$seq0"
    end=$((SECONDS + RUN_WINDOW))
    while [ "$SECONDS" -lt "$end" ]; do
      line="$(next_snapshot "$seq")"
      seq="${line%% *}"
      record "$level" run "$rep" duration_ms "${line#* }"
    done
    record "$level" run "$rep" backend_cpu_ms "$(per "$cpu0" "$(backends_cpu_ms "${pids[@]}")" $((seq - seq0)))"
    record_per_cycle "$level" run "$rep" opsagent_bench $((seq - seq0)) "$off"
  done
  agent_stop
}

measure_scrape() {
  local level="$1" rep i off pids cpu0 url="http://127.0.0.1:$exporter_port/metrics"
  curl -s -o /dev/null "$url"  # warm-up
  for ((rep = 1; rep <= REPS; rep++)); do
    off="$(log_offset)"
    stats_reset
    mapfile -t pids < <(backend_pids exporter_bench)
    cpu0="$(backends_cpu_ms "${pids[@]}")"
    for ((i = 1; i <= K; i++)); do
      record "$level" scrape "$rep" wall_ms \
        "$(curl -s --max-time 30 -o "$bench_dir/scrape.txt" -w '%{time_total}' "$url" |
          awk '{ printf "%.3f", $1 * 1000 }')"
      grep -q '^pg_up 1' "$bench_dir/scrape.txt" || die "exporter scrape without pg_up 1"
    done
    record "$level" scrape "$rep" backend_cpu_ms "$(per "$cpu0" "$(backends_cpu_ms "${pids[@]}")" "$K")"
    record "$level" scrape "$rep" backends "${#pids[@]}"
    record_per_cycle "$level" scrape "$rep" exporter_bench "$K" "$off"
  done
  record "$level" scrape "$REPS" samples "$(grep -vc '^#' "$bench_dir/scrape.txt")"
  record "$level" scrape "$REPS" bytes "$(stat -c %s "$bench_dir/scrape.txt")"
}

# ---- run ----

say "opsagent probe cost vs prometheus-postgres-exporter scrape cost"
note "agent: $agent_bin ($("$agent_bin" --version)), exporter: $("$exporter_bin" --version 2>&1 | head -n 1)"
note "K=$K cycles/scrapes per repetition, REPS=$REPS, RUN_WINDOW=${RUN_WINDOW}s, idle sessions: $IDLE_LEVELS"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exporter_start

for level in $IDLE_LEVELS; do
  say "$level idle application sessions"
  idle_open_to "$level"
  note "opsagent check x$K x$REPS"
  measure_check "$level"
  note "opsagent run, ${RUN_WINDOW}s x$REPS"
  measure_run "$level"
  note "exporter scrape x$K x$REPS"
  measure_scrape "$level"
done

# ---- report ----

say "Results (medians over $REPS repetitions; per cycle or per scrape)"
metrics=(statements exec_ms plan_ms server_ms rows connections backend_cpu_ms)
{
  printf '\n| idle sessions | subject | statements | exec ms | plan ms | exec+plan ms | rows | new connections | backend CPU ms | cycle duration ms (agent) / wall ms (scrape), median |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|\n'
  for level in $IDLE_LEVELS; do
    for subject in check run scrape; do
      case "$subject" in
        check) label="opsagent check (new process)" ;;
        run) label="opsagent run (steady cycle)" ;;
        scrape) label="exporter /metrics scrape" ;;
      esac
      row="| $level | $label"
      for m in "${metrics[@]}"; do row+=" | $(med "$level" "$subject" "$m")"; done
      if [ "$subject" = scrape ]; then
        row+=" | $(med "$level" scrape wall_ms) wall"
      else
        row+=" | $(med "$level" "$subject" duration_ms)"
      fi
      printf '%s |\n' "$row"
    done
  done

  printf '\nRatios, exporter scrape / opsagent cycle (same run, medians):\n\n'
  printf '| idle sessions | vs | statements | exec ms | exec+plan ms | rows | backend CPU ms |\n|---|---|---|---|---|---|---|\n'
  for level in $IDLE_LEVELS; do
    for subject in run check; do
      row="| $level | opsagent $subject"
      for m in statements exec_ms server_ms rows backend_cpu_ms; do
        row+=" | $(ratio "$(med "$level" scrape "$m")" "$(med "$level" "$subject" "$m")" 1)x"
      done
      printf '%s |\n' "$row"
    done
  done

  printf '\n'
  for level in $IDLE_LEVELS; do
    printf -- '- %s idle: %s steady-state cycles per %ss window; opsagent check wall time (process start to exit) %s ms; exporter scrape %s samples, %s bytes, over %s backend(s).\n' \
      "$level" "$(med "$level" run cycles)" "$RUN_WINDOW" "$(med "$level" check wall_ms)" \
      "$(med "$level" scrape samples)" "$(med "$level" scrape bytes)" "$(med "$level" scrape backends)"
  done
  printf '\nbackend CPU: run and scrape, on-CPU time of the persistent backend(s) (/proc/PID/schedstat); check, CPU of the exited backends reaped by the postmaster (10 ms ticks, includes connection set-up and authentication; autovacuum workers ending in the window would add to it).\n'
  for level in $IDLE_LEVELS; do
    for subject in check run scrape; do
      printf '\nStatements recorded by pg_stat_statements, %s, %s idle sessions (last repetition):\n\n' "$subject" "$level"
      printf '| calls per cycle | mean exec ms | mean plan ms | rows per call | statement |\n|---|---|---|---|---|\n'
      cat "$bench_dir/detail.$level.$subject"
    done
  done
} | tee "${BENCH_OUT:-/dev/null}"
