#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How fast does /health/ready follow a fault, and its repair? Fault injection against a running
# `opsagent run` on a throwaway Postgres 15 cluster, with /health/ready polled every ~10 ms.
#
#   bash bench/detection.sh              # as root on Debian 12; about 4 minutes
#   QUICK=1 bash bench/detection.sh      # smoke run: 2 repetitions of each fault
#
# Faults (FAULTS, default "table kill freeze blackhole exhaust"), each REPS times (default 4):
#   table    (dropped table) DROP TABLE cron_log (an expected table); repair: CREATE TABLE again
#   kill     (stopped) pg_ctl stop -m immediate; repair: pg_ctl start
#   freeze   (frozen) SIGSTOP the postmaster and every process it started; repair: SIGCONT
#   blackhole (black-holed) the agent reaches Postgres through a socat TCP relay; SIGSTOP the
#            relay and its connections: bytes are accepted and never answered, new connections
#            complete the TCP handshake and hear nothing (a firewall or a wedged proxy); repair:
#            SIGCONT. With blackhole in FAULTS every fault runs with the agent behind the relay.
#   exhaust  fill every non-reserved slot with idle sessions of the ordinary role `app` (the
#            agent's persistent connection keeps working; its periodic fresh connect gets
#            SQLSTATE 53300); repair: close one session
# Timing: the fault (or repair) is stamped with the wall clock just before the command that
# causes it (table: just after the DROP/CREATE committed), and a background poller (bash
# /dev/tcp, no fork, every POLL_MS = 10 ms, bounded in count and time) stamps every change of
# the status code. Detection = first 503 after the fault; recovery = first 200 after the repair.
# Between repetitions readiness must have been 200 for 1.0-2.0 s (random), so faults land at
# different points of the probe interval; with REPAIR_DELAY=random (default) the repair waits
# 0-1.9 s (random) after the 503 is seen, for the same reason (REPAIR_DELAY=0: repair at once,
# i.e. just after a failing cycle, the worst phase for recovery).
#
# The agent's config (written to the temp dir): config/demo.toml's [readiness] sections with
# AGENT_INTERVAL (1s), CONNECT_TIMEOUT (3s), STATEMENT_TIMEOUT (5s, as the demo) and
# FRESH_CONNECT_INTERVAL (1s here: with the default 5m `exhaust` would show in the pool at once but
# as a refused login only once the pool is critical, within 30 s), plus a
# [[readiness.http]] check (timeout HTTP_TIMEOUT, 2s) of a slow but healthy app (a socat
# listener answering 200 after HTTP_DELAY, 1.5s; HTTP_DELAY=0: no HTTP check): a check's
# deadline is its own, so the app's slowness must not delay noticing any database fault.
# The cluster has PG_MAX_CONNECTIONS = 40 (37 slots for ordinary roles).
#
# Environment: QUICK, REPS, FAULTS, REPAIR_DELAY, POLL_MS, HTTP_DELAY, HTTP_TIMEOUT, AGENT_INTERVAL,
# CONNECT_TIMEOUT, STATEMENT_TIMEOUT,
# FRESH_CONNECT_INTERVAL, PG_MAX_CONNECTIONS, OPSAGENT_BIN, PG_BINDIR, BENCH_OUT (also write the
# results table to this file), BENCH_KEEP_LOGS=1, BENCH_NO_INSTALL=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then REPS="${REPS:-2}"; fi
REPS="${REPS:-4}"
FAULTS="${FAULTS:-table kill freeze blackhole exhaust}"
HTTP_DELAY="${HTTP_DELAY:-1.5}"
HTTP_TIMEOUT="${HTTP_TIMEOUT:-2s}"
REPAIR_DELAY="${REPAIR_DELAY:-random}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}" CONNECT_TIMEOUT="${CONNECT_TIMEOUT:-3s}"
export STATEMENT_TIMEOUT="${STATEMENT_TIMEOUT:-5s}" FRESH_CONNECT_INTERVAL="${FRESH_CONNECT_INTERVAL:-1s}"
export PG_MAX_CONNECTIONS="${PG_MAX_CONNECTIONS:-40}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools awk sort socat
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

# Durations as the agent reads them ("1s", "500ms", "2m") -> milliseconds.
dur_ms() {
  awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9]+/, "", u)
    print (u == "ms") ? n : (u == "s") ? n * 1000 : (u == "m") ? n * 60000 : n * 3600000 }'
}
interval_ms="$(dur_ms "$AGENT_INTERVAL")"
connect_ms="$(dur_ms "$CONNECT_TIMEOUT")"
statement_ms="$(dur_ms "$STATEMENT_TIMEOUT")"
fresh_ms="$(dur_ms "$FRESH_CONNECT_INTERVAL")"

# Appends "fault rep metric value" lines to $bench_dir/results.
record() { printf '%s %s %s %s\n' "$@" >>"$bench_dir/results"; }
med() { awk -v f="$1" -v m="$2" '$1 == f && $3 == m { print $4 }' "$bench_dir/results" | median; }
maxv() { awk -v f="$1" -v m="$2" '$1 == f && $3 == m { if (n++ == 0 || $4 > x) x = $4 } END { print (n ? x : "nan") }' "$bench_dir/results"; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }

# The reason /health/ready gives right now (one curl; for the log).
ready_reason() { curl -s --max-time 2 "http://127.0.0.1:$agent_port/health/ready" | jq -r '.reason // "?"' 2>/dev/null || echo '?'; }

# Waits until readiness has been 200 for $1 seconds in a row (≤ 60 s).
settle() {
  local hold="$1" deadline=$((SECONDS + 60)) last_t last_c
  while :; do
    last_t=0 last_c=""
    [ ! -s "$polls" ] || read -r last_t last_c < <(tail -n 1 "$polls") || true
    now_ns
    if [ "$last_c" = 200 ] && [ $((now - last_t)) -ge "$(awk -v h="$hold" 'BEGIN { printf "%d", h * 1e9 }')" ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "readiness did not stay 200 for ${hold}s within 60 s (last: $last_c, $(ready_reason))"
    sleep 0.05
  done
}

# ---- faults: *_inject and *_repair set `stamp` (epoch ns) to the moment the change happens ----

table_inject() {
  SU_DB=app su_psql -c "DROP TABLE cron_log"
  now_ns
  stamp="$now"
}
table_repair() {
  SU_DB=app su_psql -c "CREATE TABLE cron_log (
      id bigserial PRIMARY KEY, job_name text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz, succeeded boolean, detail text);
    ALTER TABLE cron_log OWNER TO app"
  now_ns
  stamp="$now"
}

kill_inject() {
  now_ns
  stamp="$now"
  as_pg "$pg_bindir/pg_ctl" -D "$bench_dir/data" -m immediate -w -t 20 stop >/dev/null
}
kill_repair() {
  local t1
  now_ns
  stamp="$now"
  as_pg "$pg_bindir/pg_ctl" -D "$bench_dir/data" -l "$bench_dir/server.log" -w -t 30 start >/dev/null ||
    die "the cluster did not start again"
  now_ns
  t1="$now"
  record kill "$rep" pg_start_ms "$(ms_between "$stamp" "$t1")"
}

# ---- the relay (black hole) and the slow app: socat listeners on loopback ----

relay_pids() {
  local pid
  for pid in "$relay_pid" $(ps -o pid= --ppid "$relay_pid"); do printf '%s\n' "$pid"; done
}
relay_start() {
  agent_pg_port="$(free_port 57432)"
  socat "TCP-LISTEN:$agent_pg_port,bind=127.0.0.1,fork,reuseaddr" "TCP:127.0.0.1:$pg_port" \
    2>>"$bench_dir/relay.err" &
  relay_pid=$!
  bg_pids+=("$relay_pid")
  wait_until 10 port_in_use "$agent_pg_port" || die "the relay did not listen on $agent_pg_port"
  note "relay: the agent reaches Postgres through socat on 127.0.0.1:$agent_pg_port"
}
slow_app_start() {
  local port script="$bench_dir/slow_app.sh"
  port="$(free_port 18500)"
  # Reads the request up to its blank line first: closing a socket with unread bytes sends RST,
  # which can cost the client the answer.
  cat >"$script" <<EOF
#!/bin/sh
cr="\$(printf '\\r')"
while IFS= read -r line; do [ "\$line" = "\$cr" ] && break; [ -z "\$line" ] && break; done
sleep $HTTP_DELAY
printf 'HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok'
EOF
  chmod 0755 "$script"
  socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "EXEC:$script" 2>>"$bench_dir/app.err" &
  bg_pids+=("$!")
  wait_until 10 port_in_use "$port" || die "the slow app did not listen on $port"
  export AGENT_HTTP_URL="http://127.0.0.1:$port/healthz" AGENT_HTTP_TIMEOUT="$HTTP_TIMEOUT"
  note "slow app: 127.0.0.1:$port answers 200 after ${HTTP_DELAY}s ([[readiness.http]] timeout $HTTP_TIMEOUT)"
}

blackhole_inject() {
  local pid
  now_ns
  stamp="$now"
  frozen_pids=()
  for pid in $(relay_pids); do kill -STOP "$pid" 2>/dev/null && frozen_pids+=("$pid"); done
}
blackhole_repair() {
  record blackhole "$rep" frozen_processes "${#frozen_pids[@]}"
  now_ns
  stamp="$now"
  pg_thaw  # SIGCONTs frozen_pids: here the relay's
}

freeze_inject() {
  now_ns
  stamp="$now"
  pg_freeze
}
freeze_repair() {
  record freeze "$rep" frozen_processes "${#frozen_pids[@]}"
  now_ns
  stamp="$now"
  pg_thaw
}

# Slots ordinary roles may use, and those not held by our idle sessions (the agent's own).
usable_slots() {
  su_psql -c "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
}
other_ordinary_backends() {
  su_psql -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
              AND usename NOT IN ('postgres', 'app')"
}
exhaust_prepare() {
  local usable others
  usable="$(usable_slots)"
  others="$(other_ordinary_backends)"
  exhaust_full=$((usable - others))  # idle sessions that leave no slot for an ordinary role
  note "exhaust: $usable slots for ordinary roles, $others held by the agent: $((exhaust_full - 1)) idle sessions open, the ${exhaust_full}th fills the last slot"
  idle_open_to $((exhaust_full - 1))
}
exhaust_inject() {
  local attempt pid
  for ((attempt = 1; attempt <= 5; attempt++)); do
    now_ns
    stamp="$now"
    PGAPPNAME="web:filler" "$pg_bindir/psql" "$(app_url)" -X -q <"$bench_dir/idle.fifo" \
      >/dev/null 2>>"$bench_dir/idle.err" {idle_fd}>&- &
    pid=$!
    idle_pids+=("$pid")
    idle_want="$exhaust_full"
    if wait_until 5 idle_ready; then return 0; fi
    # The agent's fresh connect held the free slot at that moment: try again.
    idle_close_last 1
    sleep 0.2
  done
  die "could not fill the last slot in 5 attempts"
}
exhaust_repair() {
  now_ns
  stamp="$now"
  idle_close_last 1
}

# ---- run ----

say "opsagent detection latency: $FAULTS, $REPS repetitions each"
note "agent: $agent_bin ($("$agent_bin" --version)), built from: $(tree_state)"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ " $FAULTS " == *" blackhole "* ]]; then relay_start; fi
if [ "$HTTP_DELAY" != 0 ]; then slow_app_start; fi
config="$bench_dir/agent.toml"
agent_config "$config"
note "agent config: interval $AGENT_INTERVAL, connect_timeout $CONNECT_TIMEOUT, statement_timeout $STATEMENT_TIMEOUT, fresh_connect_interval $FRESH_CONNECT_INTERVAL; cluster max_connections $PG_MAX_CONNECTIONS"
agent_start "$config"
polls="$bench_dir/polls"
poller_start "$agent_port" /health/ready 3600 "$polls"

for fault in $FAULTS; do
  case "$fault" in
    table)
      detect_target=$interval_ms
      detect_rule="interval"
      recover_target=$interval_ms
      recover_rule="interval"
      ;;
    kill)
      detect_target=$((interval_ms + connect_ms))
      detect_rule="interval + connect_timeout"
      recover_target=$((interval_ms + connect_ms))
      recover_rule="interval + connect_timeout, after Postgres accepts"
      ;;
    freeze | blackhole)
      # The open connection's round trip ends at statement_timeout + 1 s grace; the cycle waits
      # at most 250 ms for the app's check; whatever the HTTP check's timeout.
      detect_target=$((interval_ms + statement_ms + 1000 + 250))
      detect_rule="interval + statement_timeout + 1 s grace + 250 ms app wait"
      recover_target=$((interval_ms + connect_ms))
      recover_rule="interval + connect_timeout"
      ;;
    exhaust)
      detect_target=$((interval_ms + fresh_ms))
      detect_rule="interval + fresh_connect_interval"
      recover_target=$((interval_ms + fresh_ms))
      recover_rule="interval + fresh_connect_interval"
      exhaust_prepare
      ;;
    *) die "unknown fault $fault (table, kill, freeze, blackhole, exhaust)" ;;
  esac
  printf '%s %s %s %s %s\n' "$fault" "$detect_target" "$recover_target" "${detect_rule// /@}" "${recover_rule// /@}" >>"$bench_dir/targets"
  limit=$(((detect_target + recover_target) * 2 / 1000 + 30))
  say "$fault: $REPS repetitions (detect within $detect_target ms: $detect_rule)"
  for ((rep = 1; rep <= REPS; rep++)); do
    settle "1.$((RANDOM % 10))"
    "${fault}_inject"
    t_fault="$stamp"
    t503="$(poller_wait_for 503 "$t_fault" "$limit" "$polls")" ||
      die "$fault #$rep: /health/ready did not turn 503 within $limit s (last: $(poller_last "$polls"))"
    reason="$(ready_reason)"
    # Without a pause the repair always lands just after a failing cycle (the worst phase).
    if [ "$REPAIR_DELAY" = random ]; then sleep "$((RANDOM % 2)).$((RANDOM % 10))"; fi
    "${fault}_repair"
    t_repair="$stamp"
    t200="$(poller_wait_for 200 "$t_repair" "$limit" "$polls")" ||
      die "$fault #$rep: /health/ready did not turn 200 within $limit s after the repair (last: $(poller_last "$polls"), $(ready_reason))"
    detect="$(ms_between "$t_fault" "$t503")"
    recover="$(ms_between "$t_repair" "$t200")"
    record "$fault" "$rep" detect_ms "$detect"
    record "$fault" "$rep" recover_ms "$recover"
    printf '%s %s\n' "$fault" "$reason" >>"$bench_dir/reasons"
    # Anything but 200/503 between the fault and the 200 (000 = no answer) is worth knowing.
    awk -v s="$t_fault" -v e="$t200" '$1 >= s && $1 <= e && $2 != 200 && $2 != 503 { n++ } END { print n + 0 }' "$polls" |
      { read -r odd; [ "$odd" -eq 0 ] || note "  $odd status changes to something else than 200/503 during #$rep"; record "$fault" "$rep" odd "$odd"; }
    note "$(printf '%-8s #%d  503 after %8s ms   200 after %8s ms   (%s)' "$fault" "$rep" "$detect" "$recover" "$reason")"
  done
  if [ "$fault" = exhaust ]; then idle_close_all; fi
done
poller_stop
polls_total="$(wc -l <"$polls")"

# ---- report ----

pass() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "nan" && v + 0 <= t + 0) ? "pass" : "FAIL" }'; }

say "Results ($REPS repetitions each; milliseconds from the fault or repair to the first 503 or 200)"
{
  printf '\n| fault | detection median ms | max ms | target ms | | recovery median ms | max ms | target ms | | reason /health/ready gave |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|\n'
  while read -r fault dt rt drule rrule; do
    dmax="$(maxv "$fault" detect_ms)"
    rmax="$(maxv "$fault" recover_ms)"
    printf '| %s | %s | %s | %s (%s) | %s | %s | %s | %s (%s) | %s | %s |\n' "$fault" \
      "$(med "$fault" detect_ms)" "$dmax" "$dt" "${drule//@/ }" "$(pass "$dmax" "$dt")" \
      "$(med "$fault" recover_ms)" "$rmax" "$rt" "${rrule//@/ }" "$(pass "$rmax" "$rt")" \
      "$(awk -v f="$fault" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "$bench_dir/reasons" | sort | uniq -c |
        awk '{ c = $1; $1 = ""; sub(/^ /, ""); printf "%s%s (x%s)", (NR > 1 ? "; " : ""), $0, c }')"
  done <"$bench_dir/targets"
  if grep -q '^kill ' "$bench_dir/targets"; then
    # shellcheck disable=SC2016  # backquotes are Markdown
    printf '\nkill: recovery counts from the `pg_ctl start` command; `pg_ctl start -w` itself took %s ms (median; max %s ms) — crash recovery after the immediate stop, plus pg_ctl'"'"'s 100 ms polling.\n' \
      "$(med kill pg_start_ms)" "$(maxv kill pg_start_ms)"
  fi
  if grep -q '^freeze ' "$bench_dir/targets"; then
    printf 'freeze: %s processes stopped each time (the postmaster and every process it had started).\n' "$(med freeze frozen_processes)"
  fi
  if grep -q '^blackhole ' "$bench_dir/targets"; then
    printf 'blackhole: %s relay processes stopped each time (the listener and one per open connection); every fault ran with the agent behind the relay.\n' "$(med blackhole frozen_processes)"
  fi
  printf 'Faults: table = dropped table, kill = stopped, freeze = frozen, blackhole = black-holed, exhaust = slots exhausted.\n'
  if [ "$HTTP_DELAY" != 0 ]; then
    printf 'Beside the database: a [[readiness.http]] check (timeout %s) of an app answering 200 after %s s.\n' "$HTTP_TIMEOUT" "$HTTP_DELAY"
  fi
  printf 'Pass/fail compares the max with the target; the targets do not include the cycle'"'"'s own duration (~10-20 ms) or the %s ms poll.\n' "${POLL_MS:-10}"
  printf 'Repair delay after the 503 was seen: %s.\n' "$([ "$REPAIR_DELAY" = random ] && echo 'random 0-1.9 s' || echo 'none (repair at once, just after a failing cycle)')"
  printf 'Set-up: agent interval %s, connect_timeout %s, statement_timeout %s, fresh_connect_interval %s; cluster max_connections %s; /health/ready polled every ~%s ms (%s status changes logged); %s CPUs, load average at the end: %s.\n' \
    "$AGENT_INTERVAL" "$CONNECT_TIMEOUT" "$STATEMENT_TIMEOUT" "$FRESH_CONNECT_INTERVAL" "$PG_MAX_CONNECTIONS" \
    "${POLL_MS:-10}" "$polls_total" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "${BENCH_OUT:-/dev/null}"
