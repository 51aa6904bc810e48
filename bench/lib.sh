# Shared helpers for the opsagent benchmarks (sourced by every script in bench/).
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
#   PG_MAX_CONNECTIONS  max_connections of the throwaway cluster (default 120)
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
frozen_pids=()    # SIGSTOPped Postgres processes: bench_cleanup SIGCONTs them first
nginx_pid=""
nginx_port=""
poller_pid=""
bg_pids=()        # other background jobs (wrk, ...) that bench_cleanup must stop

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
max_connections = ${PG_MAX_CONNECTIONS:-120}
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
# The agent's DSN: straight to Postgres, or through a relay when agent_pg_port is set
# (detection.sh's black-hole fault freezes the relay).
agent_url() { printf 'postgresql://opsagent_bench:%s@127.0.0.1:%s/app' "$agent_password" "${agent_pg_port:-$pg_port}"; }
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
# connected, authenticated, and idle until killed. With IDLE_HOLDER=pgbench (thousands of
# sessions: a psql process each would need ~8 MB apiece) one pgbench per application_name holds
# its share instead, every client asleep in `\sleep` between connecting and its first command.
IDLE_HOLDER="${IDLE_HOLDER:-psql}"
idle_held=0
idle_open_to() {
  local want="$1" have i name
  have="$idle_held"
  if [ "$IDLE_HOLDER" = pgbench ]; then
    printf '\\sleep 86400 s\n' >"$bench_dir/idle.pgbench"
    local names=${#idle_app_names[@]} share
    for ((i = 0; i < names; i++)); do
      # This pgbench's part of the new sessions: the remainder goes to the first names.
      share=$(((want - have) / names + (i < (want - have) % names ? 1 : 0)))
      [ "$share" -gt 0 ] || continue
      PGAPPNAME="${idle_app_names[$i]}" "$pg_bindir/pgbench" -n -c "$share" -j 1 -T 86400 \
        -f "$bench_dir/idle.pgbench" "$(app_url)" >/dev/null 2>>"$bench_dir/idle.err" &
      idle_pids+=("$!")
    done
  else
    if [ -z "$idle_fd" ]; then
      mkfifo "$bench_dir/idle.fifo"
      exec {idle_fd}<>"$bench_dir/idle.fifo"
    fi
    for ((i = have; i < want; i++)); do
      name="${idle_app_names[$((i % ${#idle_app_names[@]}))]}"
      PGAPPNAME="$name" "$pg_bindir/psql" "$(app_url)" -X -q <"$bench_dir/idle.fifo" \
        >/dev/null 2>>"$bench_dir/idle.err" {idle_fd}>&- &
      idle_pids+=("$!")
    done
  fi
  idle_held="$want"
  idle_want="$want"
  # scram authentication of hundreds of sessions at once takes a while on a busy 2-CPU machine.
  local limit=$((want / 4 > 60 ? want / 4 : 60))
  wait_until "$limit" idle_ready || {
    cat "$bench_dir/idle.err" >&2 || true
    die "only $(idle_count) of $want idle sessions connected after $limit s"
  }
  note "idle application sessions: $(idle_count) (client backends in all: $(client_backends))"
}

idle_want=0
idle_ready() { [ "$(idle_count)" -ge "$idle_want" ]; }

# Closes the $1 most recently opened idle sessions (their psql exits; the backend follows).
idle_close_last() {
  local n="$1" pid
  [ "$IDLE_HOLDER" = psql ] || die "idle_close_last needs IDLE_HOLDER=psql (one process a session)"
  idle_held=$((idle_held > n ? idle_held - n : 0))
  while [ "$n" -gt 0 ] && [ "${#idle_pids[@]}" -gt 0 ]; do
    pid="${idle_pids[-1]}"
    unset 'idle_pids[-1]'
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    n=$((n - 1))
  done
}

idle_close_all() {
  local pid
  for pid in "${idle_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${idle_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  idle_pids=()
  idle_held=0
  if [ -n "$idle_fd" ]; then
    exec {idle_fd}>&-
    idle_fd=""
  fi
}

# ---- opsagent ----

# Writes a throwaway agent config to $1: config/demo.toml's [readiness] sections (6 expected
# tables, 3 migration markers, one of them a query), no pools, and these settings from the
# environment: AGENT_INTERVAL (default 1s), CONNECT_TIMEOUT (3s, the default),
# STATEMENT_TIMEOUT (5s, as the demo), FRESH_CONNECT_INTERVAL (5m, the default), AGENT_DRAIN
# (0s: the benchmarks stop it often), LOG_LEVEL (info). Checked with `opsagent validate`.
agent_config() {
  local file="$1"
  {
    printf '# Generated by bench/lib.sh (agent_config) for one benchmark run.\n'
    printf '[agent]\nlisten = "127.0.0.1:8080"  # PORT replaces the port\n'
    printf 'interval = "%s"\ndrain = "%s"\n\n' "${AGENT_INTERVAL:-1s}" "${AGENT_DRAIN:-0s}"
    printf '[log]\nlevel = "%s"\nformat = "text"\n\n' "${LOG_LEVEL:-info}"
    printf '[database]\ndsn_env = "DATABASE_URL"\napplication_name = "opsagent"\n'
    printf 'connect_timeout = "%s"\nstatement_timeout = "%s"\nfresh_connect_interval = "%s"\n\n' \
      "${CONNECT_TIMEOUT:-3s}" "${STATEMENT_TIMEOUT:-5s}" "${FRESH_CONNECT_INTERVAL:-5m}"
    awk '/^\[/ { keep = ($0 ~ /^\[\[?readiness[].]/) } keep' "$bench_root/config/demo.toml"
    # AGENT_HTTP_URL (and AGENT_HTTP_TIMEOUT): one [[readiness.http]] check of an app beside it.
    if [ -n "${AGENT_HTTP_URL:-}" ]; then
      printf '\n[[readiness.http]]\nname = "app"\nurl = "%s"\ntimeout = "%s"\n' \
        "$AGENT_HTTP_URL" "${AGENT_HTTP_TIMEOUT:-2s}"
    fi
  } >"$file"
  DATABASE_URL="$(agent_url)" "$(find_agent_bin)" validate --config "$file" >/dev/null ||
    die "the generated agent config $file is invalid"
}

# Starts `opsagent run` with config $1 on a free port and returns at once. Log in
# $bench_dir/agent.log.
agent_spawn() {
  local config="$1" bin
  bin="$(find_agent_bin)"
  agent_port="$(free_port 18080)"
  now_ns
  # shellcheck disable=SC2034  # read by footprint.sh
  agent_spawned_ns="$now"  # just before the fork: footprint.sh measures start-up from here
  DATABASE_URL="$(agent_url)" PORT="$agent_port" "$bin" run --config "$config" \
    >>"$bench_dir/agent.log" 2>&1 &
  agent_pid=$!
}

# Starts `opsagent run` with config $1 on a free port; waits (≤ 30 s) until /health/ready
# answers 200. Log in $bench_dir/agent.log.
agent_start() {
  agent_spawn "$1"
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

# ---- probe cycles, seen through /health ----

health_field() { curl -s --max-time 2 "http://127.0.0.1:$agent_port/health" | jq -r "$1"; }

# Polls /health every 0.1 s until the snapshot's sequence is not $1 (≤ 15 s); prints
# "sequence duration_ms".
next_snapshot() {
  local seen="$1" deadline=$((SECONDS + 15)) line
  while :; do
    line="$(curl -s --max-time 2 "http://127.0.0.1:$agent_port/health" |
      jq -r '"\(.snapshot.sequence) \(.snapshot.duration_ms)"')" || line=""
    if [ -n "$line" ] && [ "${line%% *}" != "$seen" ] && [ "${line%% *}" != null ]; then
      printf '%s\n' "$line"
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "the agent published no new snapshot for 15 s"
    sleep 0.1
  done
}

# ---- fast HTTP status checks (no fork: bash's /dev/tcp, $EPOCHREALTIME) ----

# Wall clock in nanoseconds since the epoch into the global `now` ($EPOCHREALTIME has
# microseconds; the same CLOCK_REALTIME as `date +%s%N`, without forking).
now_ns() {
  local t="$EPOCHREALTIME"
  now="${t//[.,]/}000"
}

# One HTTP/1.1 GET of path $2 on 127.0.0.1:$1 with `Connection: close`; the status code (or
# 000: refused, no answer within 1 s) into the global `http_code`. Reads the whole answer.
http_status() {
  local port="$1" path="$2" fd line i
  http_code=000
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&"$fd" || true
  if read -r -t 1 -u "$fd" line; then
    [[ "$line" =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]] && http_code="${BASH_REMATCH[1]}"
    for ((i = 0; i < 200; i++)); do read -r -t 1 -u "$fd" line || break; done
  fi
  exec {fd}>&-
}

# Sleeps $1 seconds without forking (a read with a timeout on a fifo nobody writes to).
nap() {
  if [ -z "${nap_fd:-}" ]; then
    [ -p "$bench_dir/nap.fifo" ] || mkfifo "$bench_dir/nap.fifo"
    exec {nap_fd}<>"$bench_dir/nap.fifo"
  fi
  read -r -t "$1" -u "$nap_fd" _ || true
}

# Background poller: GET path $2 on port $1 every ~POLL_MS (default 10) ms for at most $3
# seconds (and at most $3 × 200 requests); appends "epoch_ns status" to file $4 each time the
# status changes (000 = no answer). poller_stop ends it; bench_cleanup does too.
poller_start() {
  local port="$1" path="$2" max_s="$3" out="$4"
  : >"$out"
  (
    exec 2>/dev/null
    trap - EXIT INT TERM
    last="" n=0 end=$((SECONDS + max_s)) pause="0.$(printf '%03d' "${POLL_MS:-10}")"
    while [ "$SECONDS" -lt "$end" ] && [ "$n" -lt $((max_s * 200)) ]; do
      n=$((n + 1))
      http_status "$port" "$path"
      now_ns
      if [ "$http_code" != "$last" ]; then
        printf '%s %s\n' "$now" "$http_code" >>"$out"
        last="$http_code"
      fi
      nap "$pause"
    done
  ) &
  poller_pid=$!
}

poller_stop() {
  [ -n "$poller_pid" ] || return 0
  kill "$poller_pid" 2>/dev/null || true
  wait "$poller_pid" 2>/dev/null || true
  poller_pid=""
}

# Waits (≤ $3 s) until poller file $4 records status $1 at or after epoch_ns $2; prints that
# time (epoch ns), or returns 1 on timeout.
poller_wait_for() {
  local code="$1" since="$2" limit="$3" file="$4" deadline t
  deadline=$((SECONDS + limit))
  while :; do
    t="$(awk -v c="$code" -v s="$since" '$2 == c && $1 >= s { print $1; exit }' "$file")"
    if [ -n "$t" ]; then
      printf '%s\n' "$t"
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || return 1
    kill -0 "$poller_pid" 2>/dev/null || die "the readiness poller ended early"
    sleep 0.05
  done
}

# The status the poller saw last (its file is $1).
poller_last() { tail -n 1 "$1" | awk '{ print $2 }'; }

# ---- fault injection: freezing Postgres ----

postmaster_pid() { head -n 1 "$bench_dir/data/postmaster.pid"; }

# SIGSTOP the postmaster first (so it forks nothing new), then every process it started
# (backends, checkpointer, walwriter, ...). Their pids go to frozen_pids for thaw/cleanup.
pg_freeze() {
  local pm pid
  pm="$(postmaster_pid)"
  kill -STOP "$pm"
  frozen_pids=("$pm")
  for pid in $(ps -o pid= --ppid "$pm"); do
    kill -STOP "$pid" 2>/dev/null && frozen_pids+=("$pid")
  done
}

# SIGCONT everything pg_freeze stopped (children first, the postmaster last).
pg_thaw() {
  local i
  for ((i = ${#frozen_pids[@]} - 1; i >= 0; i--)); do
    kill -CONT "${frozen_pids[$i]}" 2>/dev/null || true
  done
  frozen_pids=()
}

# ---- nginx (a `return 200` reference server) ----

# Our own nginx (Debian nginx-light), config and logs in $bench_dir/nginx/, `daemon off`,
# worker_processes auto, access_log off, on a free loopback port; `return 200` with body $1.
nginx_start() {
  local body="${1:-ok}" dir="$bench_dir/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  nginx_port="$(free_port 28080)"
  cat >"$dir/nginx.conf" <<EOF
# Generated by bench/lib.sh (nginx_start); never the system nginx.
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 200 '$body';
    }
  }
}
EOF
  nginx -e "$dir/logs/error.log" -p "$dir" -c "$dir/nginx.conf" >>"$bench_dir/nginx.log" 2>&1 &
  nginx_pid=$!
  wait_until 10 nginx_up || die "nginx did not answer within 10 s"
  note "nginx $(nginx -v 2>&1 | cut -d/ -f2) on 127.0.0.1:$nginx_port (pid $nginx_pid, $(ps -o pid= --ppid "$nginx_pid" | wc -l) workers), return 200"
}

nginx_up() {
  kill -0 "$nginx_pid" 2>/dev/null || {
    cat "$bench_dir/nginx.log" "$bench_dir/nginx/logs/error.log" >&2
    die "nginx exited"
  }
  http_status "$nginx_port" /
  [ "$http_code" = 200 ]
}

nginx_stop() {
  [ -n "$nginx_pid" ] || return 0
  kill -QUIT "$nginx_pid" 2>/dev/null || true  # graceful: workers finish and exit
  local i
  for ((i = 0; i < 50; i++)); do
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=""
}

# ---- wrk ----

# wrk's latency with a unit (us, ms, s) -> milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f\n", n }'
}

# Parses wrk --latency output in file $1 into globals: wrk_requests, wrk_rps, wrk_p50_ms,
# wrk_p99_ms, wrk_non2xx, wrk_errors (connect+read+write+timeout), wrk_error_detail.
# shellcheck disable=SC2034  # the globals are read by the scripts
wrk_parse() {
  local f="$1"
  wrk_requests="$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$f")"
  wrk_rps="$(awk '$1 == "Requests/sec:" { print $2 }' "$f")"
  wrk_p50_ms="$(awk '$1 == "50%" { print $2 }' "$f")"
  wrk_p99_ms="$(awk '$1 == "99%" { print $2 }' "$f")"
  wrk_non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")"
  wrk_non2xx="${wrk_non2xx:-0}"
  wrk_error_detail="$(awk '/Socket errors:/ { sub(/^ *Socket errors: */, ""); print }' "$f")"
  wrk_errors="$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$f")"
  wrk_errors="${wrk_errors:-0}"
  if [ -z "$wrk_requests" ] || [ -z "$wrk_rps" ] || [ -z "$wrk_p50_ms" ] || [ -z "$wrk_p99_ms" ]; then
    cat "$f" >&2
    die "could not parse wrk's output in $f"
  fi
  wrk_p50_ms="$(to_ms "$wrk_p50_ms")"
  wrk_p99_ms="$(to_ms "$wrk_p99_ms")"
}

# ---- process footprint ----

# "VmRSS_kB VmHWM_kB threads open_fds" of process $1 (from /proc/PID/status and /proc/PID/fd).
proc_footprint() {
  local fds
  fds="$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
  awk -v fds="$fds" '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 } $1 == "Threads:" { t = $2 }
    END { print r, h, t, fds }' "/proc/$1/status"
}

# Appends "elapsed_s VmRSS_kB VmHWM_kB threads fds cpu_ms" for process $1 to file $4 every $2
# seconds, for at most $3 seconds or until the process is gone. Run it with bg_run.
sample_loop() {
  local pid="$1" every="$2" max_s="$3" out="$4" t0 end
  trap - EXIT INT TERM
  now_ns
  t0="$now"
  end=$((SECONDS + max_s))
  while [ "$SECONDS" -le "$end" ] && kill -0 "$pid" 2>/dev/null; do
    now_ns
    printf '%s %s %s\n' "$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')" \
      "$(proc_footprint "$pid")" "$(process_cpu_ms "$pid")" >>"$out"
    sleep "$every"
  done
}

# Runs "$@" in the background, remembered in bg_pids so that bench_cleanup stops it.
bg_run() {
  "$@" &
  bg_pids+=("$!")
}

bg_stop_all() {
  local pid
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bg_pids=()
}

# The commit the agent was built from, and whether the tree had other changes.
tree_state() {
  printf '%s' "$(git -C "$bench_root" log -1 --format='%h %cI %s' 2>/dev/null || echo 'no git')"
  local dirty
  dirty="$(git -C "$bench_root" status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null | wc -l)"
  [ "$dirty" -eq 0 ] || printf ' (+ %s uncommitted changed files outside bench/)' "$dirty"
  printf '\n'
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
  pg_thaw  # first: a frozen cluster can neither be stopped cleanly nor serve the others
  poller_stop
  bg_stop_all
  agent_stop
  exporter_stop
  nginx_stop
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
