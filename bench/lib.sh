# Shared helpers for the opsagent benchmarks (sourced by probe_cost.sh and render_time.sh).
#
# Everything runs on loopback against a throwaway Postgres 15 cluster in a temp dir (never the
# system cluster), on free ports found at run time. bench_cleanup, installed as the EXIT trap
# by each script, stops the agent, the exporter and the idle sessions and deletes the cluster.
#
# Environment (all optional):
#   OPSAGENT_BIN  the agent binary (default: build/opsagent, else build-bench/opsagent)
#   PG_BINDIR     Postgres server binaries (default /usr/lib/postgresql/15/bin)
#   EXPORTER_BIN  prometheus-postgres-exporter binary (default: from PATH)
#   BENCH_NO_INSTALL=1  never apt-get install missing packages (fail instead)
# shellcheck shell=bash

bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg_bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
exporter_bin="${EXPORTER_BIN:-$(command -v prometheus-postgres-exporter || true)}"

# State owned by this process; bench_cleanup undoes all of it.
bench_dir=""      # temp dir: cluster data, logs, fifo, configs
pg_port=""
agent_pid=""
agent_port=""
exporter_pid=""
exporter_port=""
idle_fd=""
idle_pids=()

app_password=""
agent_password=""
exporter_password=""

say() { printf '\n==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() {
  printf 'bench: %s\n' "$*" >&2
  exit 1
}

# Something accepts TCP on 127.0.0.1:$1 (bash's /dev/tcp: no ss/python needed).
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# First free port in [$1, $1+200).
free_port() {
  local p="$1"
  while port_in_use "$p"; do
    p=$((p + 1))
    [ "$p" -lt $(($1 + 200)) ] || die "no free port in $1..$(($1 + 199))"
  done
  printf '%s\n' "$p"
}

# initdb/postgres refuse root: run them as the postgres OS user, from a dir it may enter.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$bench_dir" && runuser -u postgres -- "$@")
  else
    (cd "$bench_dir" && "$@")
  fi
}

# psql as the superuser over loopback (trusted for postgres on 127.0.0.1 only), unaligned,
# tuples only. Extra arguments go to psql (e.g. -c "SQL").
su_psql() {
  "$pg_bindir/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "${SU_DB:-postgres}" -X -q -A -t \
    -v ON_ERROR_STOP=1 "$@"
}

random_password() { printf '%s-%s' "$1" "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"; }

# Waits until "$@" succeeds, at most $1 seconds (polling every 0.2 s).
wait_until() {
  local limit="$1"
  shift
  local deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

find_agent_bin() {
  if [ -n "${OPSAGENT_BIN:-}" ]; then
    printf '%s\n' "$OPSAGENT_BIN"
  elif [ -x "$bench_root/build/opsagent" ]; then
    printf '%s\n' "$bench_root/build/opsagent"
  else
    printf '%s\n' "$bench_root/build-bench/opsagent"
  fi
}

# Debian packages the benchmarks need: the tools named in "$@" (wrk, ...) plus Postgres 15,
# the exporter, curl and jq. As root with apt-get, missing ones are installed (BENCH_NO_INSTALL=1
# to refuse); the exporter package's own system service is then stopped at once: the benchmarks
# run their own exporter instance and must leave nothing running.
check_tools() {
  local missing=() t
  [ -x "$pg_bindir/initdb" ] || missing+=(postgresql-15)
  if [ -z "$exporter_bin" ] || [ ! -x "$exporter_bin" ]; then missing+=(prometheus-postgres-exporter); fi
  for t in curl jq "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ "${#missing[@]}" -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null || [ "${BENCH_NO_INSTALL:-0}" = 1 ]; then
    die "missing: ${missing[*]} (as root: apt-get install -y ${missing[*]})"
  fi
  say "Installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed (try apt-get update first)"
  if [[ " ${missing[*]} " == *" prometheus-postgres-exporter "* ]]; then
    # It was not installed before, so its service was not running before either.
    systemctl stop prometheus-postgres-exporter >/dev/null 2>&1 ||
      service prometheus-postgres-exporter stop >/dev/null 2>&1 || true
  fi
  exporter_bin="${EXPORTER_BIN:-$(command -v prometheus-postgres-exporter || true)}"
  if [ ! -x "$pg_bindir/initdb" ] || [ -z "$exporter_bin" ]; then
    die "still missing Postgres 15 or the exporter after installing"
  fi
}

# ---- cluster ----

# Starts a throwaway cluster with pg_stat_statements, creates the demo schema (as role app)
# and two monitoring roles with pg_monitor: opsagent_bench (the agent) and exporter_bench.
cluster_start() {
  bench_dir="$(mktemp -d /tmp/opsagent-bench.XXXXXX)"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$bench_dir"
  chmod 0755 "$bench_dir"
  pg_port="$(free_port 56432)"
  say "Throwaway cluster in $bench_dir (port $pg_port)"
  as_pg "$pg_bindir/initdb" -D "$bench_dir/data" -A trust -U postgres --no-sync -E UTF8 \
    --locale=C >"$bench_dir/initdb.log" 2>&1 || {
    cat "$bench_dir/initdb.log" >&2
    die "initdb failed"
  }
  cat >>"$bench_dir/data/postgresql.conf" <<EOF

# opsagent benchmark
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$bench_dir'
max_connections = 120
superuser_reserved_connections = 3
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_utility = on
pg_stat_statements.track_planning = on
pg_stat_statements.max = 5000
log_connections = on
log_line_prefix = '%m [%p] '
fsync = off
EOF
  cat >"$bench_dir/data/pg_hba.conf" <<EOF
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
EOF
  as_pg "$pg_bindir/pg_ctl" -D "$bench_dir/data" -l "$bench_dir/server.log" -w -t 30 start \
    >/dev/null || {
    tail -n 30 "$bench_dir/server.log" >&2
    die "the cluster did not start"
  }

  app_password="$(random_password app)"
  agent_password="$(random_password agent)"
  exporter_password="$(random_password exporter)"
  su_psql -c "CREATE ROLE app LOGIN PASSWORD '$app_password'" \
    -c "CREATE DATABASE app OWNER app" \
    -c "CREATE ROLE opsagent_bench LOGIN PASSWORD '$agent_password' IN ROLE pg_monitor" \
    -c "CREATE ROLE exporter_bench LOGIN PASSWORD '$exporter_password' IN ROLE pg_monitor" \
    -c "CREATE EXTENSION pg_stat_statements"
  "$pg_bindir/psql" "$(app_url)" -X -q -v ON_ERROR_STOP=1 -f "$bench_root/scripts/demo_schema.sql"
  # The agent reads alembic_version in its marker query; the catalog checks need nothing more.
  "$pg_bindir/psql" "$(app_url)" -X -q -v ON_ERROR_STOP=1 \
    -c "GRANT SELECT ON alembic_version TO opsagent_bench"
  note "roles: app (owns the demo schema), opsagent_bench and exporter_bench (both pg_monitor)"
}

app_url() { printf 'postgresql://app:%s@127.0.0.1:%s/app' "$app_password" "$pg_port"; }
agent_url() { printf 'postgresql://opsagent_bench:%s@127.0.0.1:%s/app' "$agent_password" "$pg_port"; }
exporter_url() {
  printf 'postgresql://exporter_bench:%s@127.0.0.1:%s/app?sslmode=disable' \
    "$exporter_password" "$pg_port"
}

server_version() { su_psql -c "SHOW server_version"; }

# Client backends in pg_stat_activity, all roles.
client_backends() {
  su_psql -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
}

# ---- idle application sessions ----

# application_names of the idle sessions: ~20 distinct names, as a gunicorn app with several
# workers, background workers, a cron process and a couple of tools would show.
idle_app_names=(web:1 web:2 web:3 web:4 web:5 web:6 web:7 web:8 web:9 web:10 web:11 web:12
  worker:1 worker:2 worker:3 worker:4 cron alembic metabase psql)

idle_count() {
  su_psql -c "SELECT count(*) FROM pg_stat_activity
              WHERE usename = 'app' AND backend_type = 'client backend' AND state = 'idle'"
}

# Opens idle sessions (role app, over TCP with its password) until there are $1 in all. Each
# is a psql reading its commands from one fifo that this script holds open and never writes:
# connected, authenticated, and idle until killed.
idle_open_to() {
  local want="$1" have i name
  if [ -z "$idle_fd" ]; then
    mkfifo "$bench_dir/idle.fifo"
    exec {idle_fd}<>"$bench_dir/idle.fifo"
  fi
  have="${#idle_pids[@]}"
  for ((i = have; i < want; i++)); do
    name="${idle_app_names[$((i % ${#idle_app_names[@]}))]}"
    PGAPPNAME="$name" "$pg_bindir/psql" "$(app_url)" -X -q <"$bench_dir/idle.fifo" \
      >/dev/null 2>>"$bench_dir/idle.err" {idle_fd}>&- &
    idle_pids+=("$!")
  done
  idle_want="$want"
  wait_until 60 idle_ready || {
    cat "$bench_dir/idle.err" >&2 || true
    die "only $(idle_count) of $want idle sessions connected after 60 s"
  }
  note "idle application sessions: $(idle_count) (client backends in all: $(client_backends))"
}

idle_want=0
idle_ready() { [ "$(idle_count)" -ge "$idle_want" ]; }

idle_close_all() {
  local pid
  for pid in "${idle_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${idle_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  idle_pids=()
  if [ -n "$idle_fd" ]; then
    exec {idle_fd}>&-
    idle_fd=""
  fi
}

# ---- opsagent ----

# Starts `opsagent run` with config $1 on a free port; waits (≤ 30 s) until /health/ready
# answers 200. Log in $bench_dir/agent.log.
agent_start() {
  local config="$1" bin
  bin="$(find_agent_bin)"
  agent_port="$(free_port 18080)"
  DATABASE_URL="$(agent_url)" PORT="$agent_port" "$bin" run --config "$config" \
    >>"$bench_dir/agent.log" 2>&1 &
  agent_pid=$!
  wait_until 30 agent_ready || {
    tail -n 20 "$bench_dir/agent.log" >&2
    curl -s "http://127.0.0.1:$agent_port/health/ready" >&2 || true
    die "the agent did not turn ready within 30 s"
  }
  note "opsagent run on 127.0.0.1:$agent_port (pid $agent_pid), ready"
}

agent_ready() {
  kill -0 "$agent_pid" 2>/dev/null || {
    tail -n 20 "$bench_dir/agent.log" >&2
    die "the agent exited"
  }
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$agent_port/health/ready")" = 200 ]
}

# SIGTERM (the agent drains for agent.drain), bounded wait, then SIGKILL.
agent_stop() {
  [ -n "$agent_pid" ] || return 0
  kill -TERM "$agent_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$agent_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$agent_pid" 2>/dev/null || true
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}

# ---- prometheus-postgres-exporter ----

# Our own exporter instance (Debian package, default collectors) on a free port.
exporter_start() {
  exporter_port="$(free_port 19187)"
  DATA_SOURCE_NAME="$(exporter_url)" "$exporter_bin" \
    --web.listen-address="127.0.0.1:$exporter_port" --log.level=warn \
    >>"$bench_dir/exporter.log" 2>&1 &
  exporter_pid=$!
  wait_until 30 exporter_up || {
    tail -n 20 "$bench_dir/exporter.log" >&2
    die "the exporter did not report pg_up 1 within 30 s"
  }
  note "prometheus-postgres-exporter on 127.0.0.1:$exporter_port (pid $exporter_pid), pg_up 1"
}

exporter_up() {
  kill -0 "$exporter_pid" 2>/dev/null || {
    tail -n 20 "$bench_dir/exporter.log" >&2
    die "the exporter exited"
  }
  local body
  body="$(curl -s --max-time 10 "http://127.0.0.1:$exporter_port/metrics" || true)"
  grep -q '^pg_up 1' <<<"$body"
}

exporter_stop() {
  [ -n "$exporter_pid" ] || return 0
  kill -TERM "$exporter_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 50; i++)); do
    kill -0 "$exporter_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$exporter_pid" 2>/dev/null || true
  wait "$exporter_pid" 2>/dev/null || true
  exporter_pid=""
}

# ---- CPU accounting ----

clk_tck="$(getconf CLK_TCK)"

# CPU time (ms) of a whole process, all its threads, dead ones included: utime + stime from
# /proc/PID/stat, in clock ticks (10 ms) — coarse, for long measurements.
process_cpu_ms() {
  awk -v hz="$clk_tck" '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"
}

# CPU time (ms) of single-threaded processes (Postgres backends), summed, from
# /proc/PID/schedstat (nanoseconds on the CPU); "nan" if one of them is gone.
backends_cpu_ms() {
  local total=0 pid ns
  for pid in "$@"; do
    read -r ns _ <"/proc/$pid/schedstat" 2>/dev/null || {
      printf 'nan\n'
      return 0
    }
    total=$((total + ns))
  done
  awk -v t="$total" 'BEGIN { printf "%.3f\n", t / 1e6 }'
}

# CPU time (ms) of the postmaster's exited and reaped children (backends that ended, but also
# autovacuum workers): cutime + cstime of the postmaster, in clock ticks (10 ms).
reaped_backends_cpu_ms() {
  awk -v hz="$clk_tck" '{ print ($16 + $17) * 1000 / hz }' "/proc/$(head -n 1 "$bench_dir/data/postmaster.pid")/stat"
}

# pids of the client backends of role $1.
backend_pids() {
  su_psql -c "SELECT pid FROM pg_stat_activity WHERE usename = '$1' AND backend_type = 'client backend' ORDER BY pid"
}

# ---- numbers ----

# Median of the numbers on stdin (one per line; "nan" lines are skipped).
median() {
  { grep -v '^nan$' || true; } | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) printf "%.6g\n", v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# $1 / $2 with $3 decimals (default 1); "n/a" when $2 is 0 or either is not a number.
ratio() {
  awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN {
    num = "^[-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$"
    if (a !~ num || b !~ num || b + 0 == 0) print "n/a"; else printf "%.*f\n", d, a / b }'
}

# ---- cleanup ----

# shellcheck disable=SC2317  # invoked by the EXIT trap
bench_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  agent_stop
  exporter_stop
  idle_close_all
  if [ -n "$bench_dir" ] && [ -d "$bench_dir" ]; then
    if [ -f "$bench_dir/data/postmaster.pid" ]; then
      as_pg "$pg_bindir/pg_ctl" -D "$bench_dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
        as_pg "$pg_bindir/pg_ctl" -D "$bench_dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1
    fi
    if [ "${BENCH_KEEP_LOGS:-0}" = 1 ]; then
      mkdir -p "$bench_dir.logs" && cp "$bench_dir"/*.log "$bench_dir.logs/" 2>/dev/null
      printf 'bench: logs kept in %s\n' "$bench_dir.logs" >&2
    fi
    rm -rf "$bench_dir"
  fi
  exit "$status"
}
