#!/usr/bin/env bash
# Backend CPU per transaction of each script, all scripts side by side: one pgbench client each,
# one transaction then a 1 s sleep, started 1/N s apart so that no two wake together (clients
# waking together share warm caches and read low). From /proc/PID/schedstat of each client's
# backend over WINDOW seconds, divided by the backend's voluntary context switches (one per
# transaction). A throwaway cluster on 127.0.0.1:$PGPORT, trust auth.
# Usage: PGPORT=55498 WINDOW=60 bash measure_side_by_side.sh s1.sql both.sql bothscf.sql bothscfc.sql
# A script X.sql with an X.sql.env beside it runs with that file sourced first (PGOPTIONS=...).
set -u
PGB=$(find /usr/lib/postgresql -path '*/bin/pgbench' | sort | tail -1)
W=${WINDOW:-60}
PORT=${PGPORT:-55498}
declare -A P A C
n=$#
for f in "$@"; do
  sleep "$(awk -v n="$n" 'BEGIN { printf "%.3f", 1 / n }')"
  { cat "$f"; echo '\sleep 1000 ms'; } > "/tmp/m2.$f"
  (
    # shellcheck disable=SC1090  # the script's own environment file
    [ -f "$f.env" ] && . "./$f.env"
    PGAPPNAME="m2:$f" timeout $((W + 20)) "$PGB" -h 127.0.0.1 -p "$PORT" -U postgres -n \
      -M prepared -T $((W + 15)) -f "/tmp/m2.$f" postgres > "/tmp/m2.$f.log" 2>&1 &
  )
done
sleep 5
for f in "$@"; do
  P[$f]=$(psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc \
    "select pid from pg_stat_activity where application_name='m2:$f'")
  A[$f]=$(awk '{print $1}' "/proc/${P[$f]}/schedstat")
  C[$f]=$(awk '/^voluntary_ctxt/ {print $2}' "/proc/${P[$f]}/status")
done
sleep "$W"
for f in "$@"; do
  b=$(awk '{print $1}' "/proc/${P[$f]}/schedstat")
  d=$(awk '/^voluntary_ctxt/ {print $2}' "/proc/${P[$f]}/status")
  echo "$f: $(((b - A[$f]) / 1000 / (d - C[$f]))) us per transaction ($((d - C[$f])) transactions)"
done
sleep 12
