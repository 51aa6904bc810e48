#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Healthcheck latency under attack: the attacks of issue 13 (and the older abuse list) run one
# at a time against a running `opsagent run` on a throwaway Postgres 15 cluster, each while a
# fresh client times /health/ready and /health/live (median, p99, max, failures).
#
#   bash bench/attacks.sh                # as root on Debian 12; about 1.5 minutes
#   QUICK=1 bash bench/attacks.sh        # smoke run: 40 samples per attack
#
# Attacks (bench/attacks.py, stdlib Python, loopback only, bounded in connections and time):
# none (baseline); 500 slowloris connections; 2,000 idle keep-alive connections (the agent
# holds 512 at most); a flood of fresh connections from 4 clients; the Range pinning attack
# (48 connections with a 2 KiB receive window send `Range: bytes=0-29,...` with 1,500 ranges
# and never read, renewed every 0.5 s); 48 slow readers pipelining 200 `/health` each; 9
# malformed or oversized request shapes; 5 request smuggling shapes; a /status + /metrics
# flood (rate-limited); SIGHUP every 50 ms. Each: 1 s to build up, then SAMPLES probes (one new
# connection each, 2 s timeout, ~10 ms apart); a failure is anything but a 200 in time.
#
# Environment: QUICK, SAMPLES (200), AGENT_INTERVAL (1s), OPSAGENT_BIN, PG_BINDIR, BENCH_OUT
# (also write the results table to this file), BENCH_KEEP_LOGS=1, BENCH_NO_INSTALL=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then SAMPLES="${SAMPLES:-40}"; fi
SAMPLES="${SAMPLES:-200}"
export AGENT_INTERVAL="${AGENT_INTERVAL:-1s}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# No exporter, wrk or jq here (check_tools would insist on the exporter): Postgres, curl, python3.
[ -x "$pg_bindir/initdb" ] || die "no Postgres 15 at $pg_bindir (apt-get install -y postgresql-15)"
for tool in curl python3; do command -v "$tool" >/dev/null || die "missing: $tool"; done
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"
# 2,000 client sockets need more than the usual soft limit of 1024 descriptors.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cluster_start
agent_config "$bench_dir/agent.toml"
agent_start "$bench_dir/agent.toml"

say "Healthcheck latency under each attack ($SAMPLES probes each, alternating /health/ready and /health/live)"
table="$bench_dir/attacks.md"
python3 "$bench_root/bench/attacks.py" --port "$agent_port" --pid "$agent_pid" \
  --samples "$SAMPLES" --md "$table"
kill -0 "$agent_pid" 2>/dev/null || die "the agent died during the attacks"
note "the agent is still running (pid $agent_pid); $(grep -c . "$bench_dir/agent.log") log lines"

{
  printf '## Healthcheck latency under attack\n\n'
  printf '%s, %s; %s probes per attack (fresh connection each, 2 s timeout).\n\n' \
    "$("$agent_bin" --version 2>/dev/null | head -n 1)" "$(date -u +%Y-%m-%dT%H:%MZ)" "$SAMPLES"
  cat "$table"
} | tee "${BENCH_OUT:-/dev/null}"
