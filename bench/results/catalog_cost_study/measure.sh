# Backend CPU per transaction of each script at 1 transaction/s (pgbench -R 1, prepared),
# from /proc/PID/schedstat of the pgbench backend over 36 s, divided by its voluntary context
# switches (one per transaction). A throwaway cluster on 127.0.0.1:$PGPORT, trust auth.
# Usage: PGPORT=55498 bash measure.sh s1.sql cat.sql reg.sql
PGB=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
for f in "$@"; do
  (timeout 50 $PGB -h 127.0.0.1 -p "${PGPORT:-55498}" -U postgres -n -M prepared -R 1 -T 45 -f $f postgres > "/tmp/pgb.$f.log" 2>&1 &)
  sleep 4
  P=$(psql -h 127.0.0.1 -p "${PGPORT:-55498}" -U postgres -Atc "select pid from pg_stat_activity where application_name='pgbench'")
  a=$(awk '{print $1}' /proc/$P/schedstat); c=$(grep ^voluntary_ctxt /proc/$P/status | awk '{print $2}')
  sleep 36
  b=$(awk '{print $1}' /proc/$P/schedstat); d=$(grep ^voluntary_ctxt /proc/$P/status | awk '{print $2}')
  echo "$f: $(( (b-a)/1000/(d-c) )) us per wake-up ($((d-c)) wake-ups, $(( (b-a)/36000 )) us/s)"
  sleep 8
done
