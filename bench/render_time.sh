#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How fast does a running opsagent answer its endpoints? The agent renders every answer from
# its latest snapshot (no database I/O in a handler), so this measures rendering + HTTP only.
#
#   bash bench/render_time.sh           # as root on Debian 12; about 2 minutes
#
# Set-up: a throwaway Postgres 15 cluster with IDLE (default 90) idle application sessions
# spread over 20 application_names (web:1..web:12, worker:1..4, cron, alembic, metabase, psql),
# `opsagent run` with config/demo.toml whose pool section is replaced by three [[pool.clients]]
# blocks matching those names (web:* 12x8, worker:* 4x4, cron 1x5), and our own prometheus-postgres-exporter instance for comparison.
# Each endpoint gets `wrk -t1 -c4 -d5s --latency` (WRK_THREADS, WRK_CONNS, WRK_SECONDS),
# ROUNDS times (default 3), endpoints interleaved within a round; reported: the median over the
# rounds of each round's p50, p99 and requests/s, plus any non-2xx answers or socket errors.
# Note that the exporter's /metrics queries Postgres on every request; the agent's endpoints
# never do.
#
# Environment: IDLE, ROUNDS, WRK_THREADS, WRK_CONNS, WRK_SECONDS, OPSAGENT_BIN, PG_BINDIR,
# EXPORTER_BIN, BENCH_OUT (also write the results table to this file), BENCH_KEEP_LOGS=1.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDLE="${IDLE:-90}"
ROUNDS="${ROUNDS:-3}"
WRK_THREADS="${WRK_THREADS:-1}"
WRK_CONNS="${WRK_CONNS:-4}"
WRK_SECONDS="${WRK_SECONDS:-5}"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

check_tools wrk awk sort
agent_bin="$(find_agent_bin)"
[ -x "$agent_bin" ] || die "no agent binary at $agent_bin (build it, or set OPSAGENT_BIN)"

# Appends "endpoint round metric value" lines to $bench_dir/results.
record() { printf '%s %s %s %s\n' "$@" >>"$bench_dir/results"; }
val() { awk -v e="$1" -v r="$2" -v m="$3" '$1 == e && $2 == r && $3 == m { print $4 }' "$bench_dir/results"; }
med() { awk -v e="$1" -v m="$2" '$1 == e && $3 == m { print $4 }' "$bench_dir/results" | median; }
total() { awk -v e="$1" -v m="$2" '$1 == e && $3 == m { s += $4 } END { print s + 0 }' "$bench_dir/results"; }

# One wrk run: endpoint id $1, round $2, URL $3, optional Accept header $4, pid of the server
# process $5 (its CPU time per request is recorded too).
run_wrk() {
  local id="$1" round="$2" url="$3" accept="${4:-}" pid="$5" out p50 p99 rps non2xx errors
  local requests cpu0 cpu1
  local args=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"${WRK_SECONDS}s" --latency --timeout 10s)
  [ -z "$accept" ] || args+=(-H "Accept: $accept")
  cpu0="$(process_cpu_ms "$pid")"
  out="$(wrk "${args[@]}" "$url")" || die "wrk failed on $url"
  cpu1="$(process_cpu_ms "$pid")"
  requests="$(awk '$2 == "requests" && $3 == "in" { print $1 }' <<<"$out")"
  printf '%s\n' "$out" >"$bench_dir/wrk.$id.$round.txt"
  p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
  p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
  rps="$(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")"
  errors="$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")"
  if [ -z "$p50" ] || [ -z "$p99" ] || [ -z "$rps" ]; then
    printf '%s\n' "$out" >&2
    die "could not parse wrk's output for $url"
  fi
  record "$id" "$round" p50_ms "$(to_ms "$p50")"
  record "$id" "$round" p99_ms "$(to_ms "$p99")"
  record "$id" "$round" rps "$rps"
  record "$id" "$round" non2xx "${non2xx:-0}"
  record "$id" "$round" errors "${errors:-0}"
  record "$id" "$round" cpu_us "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$requests" \
    'BEGIN { if (n > 0) printf "%.1f\n", (b - a) * 1000 / n; else print "nan" }')"
}

# ---- set-up ----

say "opsagent endpoint latency (wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s, $ROUNDS rounds)"
note "agent: $agent_bin ($("$agent_bin" --version)), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
cluster_start
note "$("$pg_bindir/postgres" --version), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
idle_open_to "$IDLE"

# config/demo.toml's agent, database and readiness settings; its pool section (if any) is
# replaced by one that matches the idle sessions' application_names.
config="$bench_dir/agent.toml"
awk '/^\[/ { skip = ($0 ~ /^\[\[?pool[].]/) } !skip' "$bench_root/config/demo.toml" >"$config"
cat >>"$config" <<'EOF'

# bench/render_time.sh: pools for the idle sessions, so that /status has something to show.
[[pool.clients]]
name = "web"
application_name = "web:*"
instances = 12
pool_max = 8

[[pool.clients]]
name = "worker"
application_name = "worker:*"
instances = 4
pool_max = 4

[[pool.clients]]
name = "cron"
application_name = "cron"
pool_max = 5
EOF
DATABASE_URL="$(agent_url)" "$agent_bin" validate --config "$config" >/dev/null ||
  die "the generated agent config is invalid"
agent_start "$config"
exporter_start
sleep 2  # a couple more cycles, so the snapshot reflects every session

agent="http://127.0.0.1:$agent_port"
exporter="http://127.0.0.1:$exporter_port"
# id|label|url|Accept header|server pid
endpoints=(
  "ready|opsagent /health/ready|$agent/health/ready||$agent_pid"
  "health|opsagent /health|$agent/health||$agent_pid"
  "status_text|opsagent /status (text)|$agent/status||$agent_pid"
  "status_html|opsagent /status (Accept: text/html)|$agent/status|text/html|$agent_pid"
  "metrics|opsagent /metrics|$agent/metrics||$agent_pid"
  "exporter|exporter /metrics|$exporter/metrics||$exporter_pid"
)

say "Response sizes and status codes"
for e in "${endpoints[@]}"; do
  IFS='|' read -r id label url accept _ <<<"$e"
  headers=()
  [ -z "$accept" ] || headers=(-H "Accept: $accept")
  curl -s -o "$bench_dir/body.$id" -D "$bench_dir/headers.$id" "${headers[@]}" \
    -w '%{http_code} %{size_download}\n' "$url" >"$bench_dir/size.$id"
  read -r code bytes <"$bench_dir/size.$id"
  ctype="$(awk -F': ' 'tolower($1) == "content-type" { sub(/\r$/, "", $2); print $2 }' "$bench_dir/headers.$id")"
  note "$label: HTTP $code, $bytes bytes, $ctype"
  [ "$code" = 200 ] || die "$label answered HTTP $code: $(head -c 300 "$bench_dir/body.$id")"
done
note "sessions seen by the agent: $(curl -s "$agent/health" | jq -c '{used: .connections.used, usable: .connections.usable_slots, apps: (.connections.by_application | length)}')"

for ((round = 1; round <= ROUNDS; round++)); do
  say "Round $round of $ROUNDS"
  for e in "${endpoints[@]}"; do
    IFS='|' read -r id label url accept pid <<<"$e"
    run_wrk "$id" "$round" "$url" "$accept" "$pid"
    note "$(printf '%-36s p50 %8s ms  p99 %8s ms  %9s req/s  %7s CPU us/req' "$label" \
      "$(val "$id" "$round" p50_ms)" "$(val "$id" "$round" p99_ms)" "$(val "$id" "$round" rps)" \
      "$(val "$id" "$round" cpu_us)")"
  done
done

# ---- report ----

say "Results (median over $ROUNDS rounds of each round's value)"
{
  printf '\n| endpoint | body bytes | p50 ms | p99 ms | requests/s | server CPU µs/request | non-2xx | socket errors |\n'
  printf '|---|---|---|---|---|---|---|---|\n'
  for e in "${endpoints[@]}"; do
    IFS='|' read -r id label url accept _ <<<"$e"
    read -r _ bytes <"$bench_dir/size.$id"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$bytes" "$(med "$id" p50_ms)" \
      "$(med "$id" p99_ms)" "$(med "$id" rps)" "$(med "$id" cpu_us)" "$(total "$id" non2xx)" \
      "$(total "$id" errors)"
  done
  printf '\nServer CPU = utime+stime of the agent or exporter process during the run / requests (10 ms ticks; the exporter'"'"'s Postgres backend is not included).\n'
  printf 'Set-up: %s idle sessions in %s application_names; wrk -t%s -c%s -d%ss --latency, %s rounds; %s CPUs, load average at the end: %s.\n' \
    "$IDLE" "${#idle_app_names[@]}" "$WRK_THREADS" "$WRK_CONNS" "$WRK_SECONDS" "$ROUNDS" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "${BENCH_OUT:-/dev/null}"
