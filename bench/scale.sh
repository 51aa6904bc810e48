#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Does the probe cycle stay fast with many client connections open? opsagent's cycle duration
# (snapshot.duration_ms in /health) with 10, 100 and 500 idle application sessions.
#
#   bash bench/scale.sh             # as root on Debian 12; about 4 minutes
#   QUICK=1 bash bench/scale.sh     # smoke run: 10 and 50 sessions, 5 cycles each
#
# Set-up: a throwaway Postgres 15 cluster with max_connections = the largest level + 20,
# `opsagent run` with a throwaway config (config/demo.toml's [readiness] sections, AGENT_INTERVAL
# 1s, fresh_connect_interval 5m, the default), idle sessions as lib.sh opens them (psql, role
# app, 20 application_names). For each level in LEVELS (default "10 100 500"): open sessions up
# to the level, skip 3 cycles, then read CYCLES (default 30) consecutive snapshots from /health
# (sequence and duration_ms, polled every 0.1 s) and, over the same cycles, the CPU time of the
# agent process (/proc/PID/stat, 10 ms ticks; includes serving those /health polls) and of its
# persistent Postgres backend (/proc/PID/schedstat). Reported: median, p90 and max cycle
# duration, CPU per cycle, and what the agent saw (sessions counted, activity groups).
#
# Environment: QUICK, LEVELS, CYCLES, AGENT_INTERVAL, OPSAGENT_BIN, PG_BINDIR, BENCH_OUT (also
# write the results table to this file), BENCH_KEEP_LOGS=1, BENCH_NO_INSTALL=1, TABLES (create
# this many extra tables in a schema `filler` first: a big catalog for the schema statement),
# IDLE_HOLDER=pgbench (hold the sessions with 20 pgbench processes rather than a psql each).
# The issue-18 scale run (5,000 idle backends take several GB of RAM; 24 GB was plenty):
#   LEVELS="10 500 1000 5000" TABLES=10000 IDLE_HOLDER=pgbench bash bench/scale.sh
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then LEVELS="${LEVELS:-10 50}" CYCLES="${CYCLES:-5}"; fi
LEVELS="${LEVELS:-10 100 500}"
CYCLES="${CYCLES:-30}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}"
# shellcheck disable=SC2086  # a list of numbers
max_level="$(printf '%s\n' $LEVELS | sort -n | tail -n 1)"
export PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-$((max_level + 20))}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools awk sort
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

record() { printf '%s %s %s\n' "$@" >>"$bench_dir/results"; }
med() { awk -v l="$1" -v m="$2" '$1 == l && $2 == m { print $3 }' "$bench_dir/results" | median; }
get() { awk -v l="$1" -v m="$2" '$1 == l && $2 == m { v = $3 } END { print v }' "$bench_dir/results"; }
# p-th percentile (nearest rank) and max of metric $2 at level $1.
pct() {
  awk -v l="$1" -v m="$2" '$1 == l && $2 == m { print $3 }' "$bench_dir/results" | sort -g |
    awk -v p="$3" '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit } i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}

say "opsagent probe cycle duration with $LEVELS idle sessions ($CYCLES cycles each)"
note "agent: $agent_bin ($("$agent_bin" --version)), built from: $(tree_state)"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, max_connections $PG_MAX_CONNECTIONS, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
TABLES="${TABLES:-0}"
if [ "$TABLES" -gt 0 ]; then
  # In batches: one transaction holding 10,000 new relations' locks would overrun the lock table.
  "$pg_bindir/psql" "$(app_url)" -X -q -v ON_ERROR_STOP=1 -c "CREATE SCHEMA filler"
  for ((from = 1; from <= TABLES; from += 1000)); do
    to=$((from + 999 < TABLES ? from + 999 : TABLES))
    "$pg_bindir/psql" "$(app_url)" -X -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
      FOR i IN $from..$to LOOP
        EXECUTE format('CREATE TABLE filler.t%s (id bigint PRIMARY KEY, note text)', i);
      END LOOP; END \$\$"
  done
  "$pg_bindir/psql" "$(app_url)" -X -q -v ON_ERROR_STOP=1 -c "ANALYZE"
  note "catalog: $(SU_DB=app su_psql -c "SELECT count(*) FROM pg_class WHERE relkind = 'r'") tables in the app database"
fi
config="$bench_dir/agent.toml"
agent_config "$config"
agent_start "$config"

for level in $LEVELS; do
  say "$level idle sessions (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  idle_open_to "$level"
  mapfile -t pids < <(backend_pids opsagent_bench)
  # Skip a few cycles: the first after the sessions arrived still plans with old statistics.
  line="$(next_snapshot "$(health_field '.snapshot.sequence')")"
  for ((i = 0; i < 3; i++)); do line="$(next_snapshot "${line%% *}")"; done
  seq0="${line%% *}"
  seq="$seq0"
  cpu0="$(process_cpu_ms "$agent_pid")"
  b0="$(backends_cpu_ms "${pids[@]}")"
  for ((i = 1; i <= CYCLES; i++)); do
    line="$(next_snapshot "$seq")"
    seq="${line%% *}"
    record "$level" duration_ms "${line#* }"
  done
  cpu1="$(process_cpu_ms "$agent_pid")"
  b1="$(backends_cpu_ms "${pids[@]}")"
  n=$((seq - seq0))
  record "$level" cycles "$n"
  record "$level" missed $((n - CYCLES))
  record "$level" agent_cpu_ms "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }')"
  record "$level" backend_cpu_ms "$(awk -v a="$b0" -v b="$b1" -v n="$n" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.2f", (b - a) / n }')"
  seen="$(curl -s --max-time 5 "http://127.0.0.1:$agent_port/health" |
    jq -r '"\(.connections.used) \(.connections.usable_slots) \(.connections.by_application | length) \(.status)"')"
  read -r used usable apps status <<<"$seen"
  record "$level" used "$used"
  record "$level" usable "$usable"
  record "$level" apps "$apps"
  record "$level" status "$status"
  note "$(printf '%4s sessions: cycle median %s ms, p90 %s ms, max %s ms; agent CPU %s ms/cycle, backend CPU %s ms/cycle; agent saw %s used of %s usable, %s applications, status %s' \
    "$level" "$(med "$level" duration_ms)" "$(pct "$level" duration_ms 90)" "$(pct "$level" duration_ms 100)" \
    "$(get "$level" agent_cpu_ms)" "$(get "$level" backend_cpu_ms)" "$used" "$usable" "$apps" "$status")"
done

say "Results ($CYCLES consecutive cycles per level)"
first_level="${LEVELS%% *}"
{
  printf '\n| idle sessions | sessions the agent counted | cycle median ms | p90 ms | max ms | median vs %s sessions | agent CPU ms/cycle | backend CPU ms/cycle | /health status |\n' "$first_level"
  printf '|---|---|---|---|---|---|---|---|---|\n'
  for level in $LEVELS; do
    printf '| %s | %s of %s usable | %s | %s | %s | %sx | %s | %s | %s |\n' "$level" "$(get "$level" used)" \
      "$(get "$level" usable)" "$(med "$level" duration_ms)" "$(pct "$level" duration_ms 90)" \
      "$(pct "$level" duration_ms 100)" "$(ratio "$(med "$level" duration_ms)" "$(med "$first_level" duration_ms)" 2)" \
      "$(get "$level" agent_cpu_ms)" "$(get "$level" backend_cpu_ms)" "$(get "$level" status)"
  done
  printf '\nCycle duration = snapshot.duration_ms from /health (the whole cycle: round trip, parsing, pool model; one in 30 cycles also opens the fresh connection). Agent CPU includes serving ~10 /health polls per second. The /health status is warn/fail when the sessions fill the pool thresholds (not a readiness failure).\n'
  printf 'Set-up: max_connections %s, agent interval %s, %s extra tables, sessions held by %s; %s CPUs, load average at the end: %s.\n' \
    "$PG_MAX_CONNECTIONS" "$AGENT_INTERVAL" "$TABLES" "$IDLE_HOLDER" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "${BENCH_OUT:-/dev/null}"
