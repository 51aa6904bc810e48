#!/usr/bin/env bash
# One-command demo of opsagent on a fresh Debian 12 machine (run as root):
#
#   bash scripts/demo.sh
#
# Installs what the demo needs (scripts/install-deps.sh demo: the build dependencies and
# Postgres 15), builds opsagent into build-demo/ (its own directory: build/ belongs to
# scripts/test.sh, so the two commands work in either order), starts a throwaway Postgres 15
# cluster in a temp dir (never the system cluster), loads a small permits-app schema into it and
# runs the agent in the foreground with config/demo.toml. Ctrl-C stops the agent, then stops and
# deletes the cluster.
#
# Environment:
#   PORT          port for the agent's HTTP server (default 8080; replaces the port in the config)
#   DEMO_PG_PORT  port for the demo cluster (default: the first free one from 55432 up)
#   PG_BINDIR     Postgres server binaries (default /usr/lib/postgresql/15/bin)
#   OPSAGENT_BIN  an already-built agent binary: skips installing dependencies and building
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pg_bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
agent_port="${PORT:-8080}"
config="config/demo.toml"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# True if something accepts TCP connections on 127.0.0.1:$1. Uses bash's /dev/tcp, so that the
# demo needs neither ss (not in minimal images) nor python.
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# initdb and postgres refuse to run as root; as root we run them as the postgres OS user, from a
# directory it may enter.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$pgdir" && runuser -u postgres -- "$@")
  else
    (cd "$pgdir" && "$@")
  fi
}

# ---- 1. dependencies and build ----
agent_bin="${OPSAGENT_BIN:-}"
if [ -z "$agent_bin" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "Installing dependencies (scripts/install-deps.sh demo)"
    bash scripts/install-deps.sh demo
  else
    say "Not root: skipping scripts/install-deps.sh demo (run it once with sudo if the build fails)"
  fi
  say "Building opsagent (Release) into build-demo/"
  cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release
  cmake --build build-demo -j"$(nproc)" --target opsagent
  agent_bin="build-demo/opsagent"
fi
[ -x "$agent_bin" ] || die "$agent_bin is not an executable"
[ -x "$pg_bindir/initdb" ] || die "no Postgres server binaries in $pg_bindir (package postgresql-15)"

# ---- 2. ports ----
if port_in_use "$agent_port"; then
  die "port $agent_port is in use; choose another for the agent, e.g. PORT=8081 bash scripts/demo.sh"
fi
if [ -n "${DEMO_PG_PORT:-}" ]; then
  pg_port="$DEMO_PG_PORT"
  port_in_use "$pg_port" && die "DEMO_PG_PORT=$pg_port is in use"
else
  pg_port=55432
  while port_in_use "$pg_port"; do
    pg_port=$((pg_port + 1))
    [ "$pg_port" -le 55531 ] || die "no free port in 55432..55531; set DEMO_PG_PORT"
  done
fi

# ---- 3. throwaway cluster ----
pgdir=""
agent_pid=""
signals_seen=0

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -KILL "$agent_pid" 2>/dev/null || true
  fi
  if [ -n "$pgdir" ] && [ -d "$pgdir" ]; then
    say "Stopping and deleting the demo cluster ($pgdir)"
    as_pg "$pg_bindir/pg_ctl" -D "$pgdir/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
      as_pg "$pg_bindir/pg_ctl" -D "$pgdir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
  exit "$status"
}
trap cleanup EXIT

# First Ctrl-C / TERM: ask the agent to shut down (it drains for agent.drain first). Another
# Ctrl-C: the agent's own "skip the drain" signal.
# shellcheck disable=SC2317  # invoked by the trap
on_signal() {
  signals_seen=$((signals_seen + 1))
  [ -n "$agent_pid" ] || exit 130
  if [ "$signals_seen" -eq 1 ]; then
    kill -TERM "$agent_pid" 2>/dev/null || true
  else
    kill -INT "$agent_pid" 2>/dev/null || true
  fi
}
trap on_signal INT TERM

pgdir="$(mktemp -d /tmp/opsagent-demo.XXXXXX)"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pgdir"; fi

say "Creating a throwaway Postgres cluster in $pgdir (port $pg_port)"
as_pg "$pg_bindir/initdb" -D "$pgdir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C \
  --no-instructions >"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log" >&2; die "initdb failed"; }
cat >>"$pgdir/data/postgresql.conf" <<EOF

# opsagent demo
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pgdir'
max_connections = 20
superuser_reserved_connections = 3
fsync = off
shared_buffers = 16MB
EOF
# The superuser may connect without a password (local setup only); the app role, like in
# production, must authenticate with scram over TCP.
cat >"$pgdir/data/pg_hba.conf" <<EOF
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
EOF
as_pg "$pg_bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 30 start >/dev/null ||
  { tail -n 30 "$pgdir/server.log" >&2; die "the demo cluster did not start"; }

# A fresh random password per run: hex, so it needs no quoting in SQL or percent-encoding in
# the URL.
app_password="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
as_pg "$pg_bindir/psql" -h "$pgdir" -p "$pg_port" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE app LOGIN PASSWORD '$app_password'" \
  -c "CREATE DATABASE app OWNER app" \
  -c "GRANT pg_monitor TO app"
export DATABASE_URL="postgresql://app:$app_password@127.0.0.1:$pg_port/app"

say "Loading scripts/demo_schema.sql as role app"
"$pg_bindir/psql" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f scripts/demo_schema.sql

# ---- 4. the agent ----
base="http://127.0.0.1:$agent_port"
pg_stop="$pg_bindir/pg_ctl -D $pgdir/data stop"
if [ "$(id -u)" -eq 0 ]; then pg_stop="runuser -u postgres -- $pg_stop"; fi
cat <<EOF

==> Ready. In another terminal, try:

    curl -i $base/health/ready     # 200 when Postgres is up and the schema is migrated
    curl -i $base/health/live      # 200 while the agent itself is healthy
    curl -s $base/health           # every check, as JSON
    curl -s $base/status           # connections, pools, budget: for people (try it in a browser)
    curl -s $base/metrics          # Prometheus

  Then break things and watch /health/ready turn 503 (and the log below say why):

    psql '$DATABASE_URL' -c 'ALTER TABLE contacts DROP COLUMN email_verified'
    psql '$DATABASE_URL' -c "UPDATE alembic_version SET version_num = 'b71e0c2a9d44'"
    $pg_stop

  Ctrl-C stops the agent and deletes the demo cluster.

==> Running: $agent_bin run --config $config   (PORT=$agent_port)
EOF

PORT="$agent_port" "$agent_bin" run --config "$config" &
agent_pid=$!
# `wait` returns early (status > 128) when a trapped signal arrives while the agent drains;
# keep waiting until it has really exited.
status=0
wait "$agent_pid" || status=$?
while [ "$status" -gt 128 ] && kill -0 "$agent_pid" 2>/dev/null; do
  status=0
  wait "$agent_pid" || status=$?
done
agent_pid=""
exit "$status"
