-- Issue 18 study (2 Dec 2026, helper measurement, not yet in the code): an exact rewrite of
-- kActivitySql (probes/postgres/activity_query.cpp), same 21 columns and rows (checked with EXCEPT ALL both
-- ways on idle/active/idle-in-transaction/lock-waiting mixes, 3 roles). Backend CPU per call: 90 sessions
-- 1.43 -> 1.16 ms, 500 sessions 13.3 -> 7.8 ms. Floor: reading pg_stat_get_activity(NULL) alone costs
-- ~0.6 ms at 90 sessions (query-text clipping per session, ~1 KB texts).
WITH settings AS (
  SELECT pg_catalog.current_setting('max_connections')::int AS max_connections,
         pg_catalog.current_setting('superuser_reserved_connections')::int AS su_reserved,
         pg_catalog.current_setting('reserved_connections', true) AS reserved,
         (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
           OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS full_view,
         CASE WHEN pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') THEN 0
              ELSE (SELECT count(*) FROM pg_catalog.pg_stat_get_activity(NULL) h
                    WHERE h.backend_type IS NULL AND h.usesysid IS NOT NULL)::int END AS hidden,
         coalesce(pg_catalog.host(pg_catalog.inet_client_addr()), 'local') AS own_addr
), groups AS (
  SELECT coalesce(a.application_name, '') AS app,
         coalesce(r.rolname::text, '') AS usr,
         coalesce(d.datname::text, '') AS db,
         coalesce(pg_catalog.host(a.client_addr),
                  CASE WHEN a.client_port = -1 THEN 'local' ELSE '' END) AS addr,
         coalesce(a.state, '') AS state,
         coalesce(r.rolsuper, false) AS su,
         CASE WHEN GROUPING(a.wait_event_type) = 0 THEN coalesce(a.wait_event_type, '') END
           AS wtype,
         coalesce(a.wait_event, '') AS wevent,
         count(*)::int AS n,
         (count(*) FILTER (WHERE a.wait_event_type = 'Lock'))::int AS waiting,
         extract(epoch FROM now() - min(a.xact_start))::float8 AS oldest_xact,
         extract(epoch FROM now() - min(a.state_change)
                 FILTER (WHERE a.state IN ('idle in transaction', 'idle in transaction (aborted)')))::float8 AS oldest_iit,
         extract(epoch FROM now() - min(a.query_start)
                 FILTER (WHERE a.state = 'active'))::float8 AS longest_query,
         extract(epoch FROM now() - min(a.backend_start))::float8 AS oldest_backend,
         array_agg(extract(epoch FROM now() - a.state_change)::float8)
           FILTER (WHERE a.state IN ('idle in transaction', 'idle in transaction (aborted)')) AS iit_ages
  FROM pg_catalog.pg_stat_get_activity(NULL) a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
  LEFT JOIN pg_catalog.pg_database d ON d.oid = a.datid
  WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
    AND a.pid IS DISTINCT FROM $1::int
  GROUP BY GROUPING SETS ((1, 2, 3, 4, 5, 6), (a.state, a.wait_event_type, a.wait_event))
  HAVING GROUPING(a.wait_event_type) = 1 OR a.state = 'active'
)
SELECT s.max_connections, s.su_reserved, s.reserved, s.full_view, s.hidden,
       g.app, g.usr, g.db, g.addr, g.state, g.n, g.waiting, g.oldest_xact, g.oldest_iit,
       g.longest_query, g.su, g.wtype, g.wevent,
       s.own_addr, g.oldest_backend, g.iit_ages
FROM settings s LEFT JOIN groups g ON true
