#include "probes/activity.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace opsagent::probes {

namespace {

// One round trip: the slot settings joined with client sessions grouped by everything a
// breakdown needs. Grouping in SQL keeps the result small however many sessions there are.
constexpr const char* kActivitySql = R"sql(
WITH settings AS (
  SELECT pg_catalog.current_setting('max_connections')::int AS max_connections,
         pg_catalog.current_setting('superuser_reserved_connections')::int AS su_reserved,
         pg_catalog.current_setting('reserved_connections', true) AS reserved,
         (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
           OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS full_view,
         (SELECT count(*) FROM pg_catalog.pg_stat_activity a
           WHERE a.backend_type IS NULL AND a.usesysid IS NOT NULL)::int AS hidden
), groups AS (
  SELECT coalesce(a.application_name, '') AS app,
         coalesce(a.usename::text, '') AS usr,
         coalesce(a.datname::text, '') AS db,
         coalesce(pg_catalog.host(a.client_addr),
                  CASE WHEN a.client_port = -1 THEN 'local' ELSE '' END) AS addr,
         coalesce(a.state, '') AS state,
         coalesce(r.rolsuper, false) AS su,
         count(*)::int AS n,
         (count(*) FILTER (WHERE a.wait_event_type = 'Lock'))::int AS waiting,
         extract(epoch FROM max(now() - a.xact_start))::float8 AS oldest_xact,
         extract(epoch FROM max(now() - a.state_change)
                 FILTER (WHERE a.state LIKE 'idle in transaction%'))::float8 AS oldest_iit,
         extract(epoch FROM max(now() - a.query_start)
                 FILTER (WHERE a.state = 'active'))::float8 AS longest_query
  FROM pg_catalog.pg_stat_activity a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
  WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
    AND a.pid IS DISTINCT FROM $1::int
  GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT s.max_connections, s.su_reserved, s.reserved, s.full_view, s.hidden,
       g.app, g.usr, g.db, g.addr, g.state, g.n, g.waiting, g.oldest_xact, g.oldest_iit,
       g.longest_query, g.su
FROM settings s LEFT JOIN groups g ON true)sql";

constexpr int kColumns = 16;

std::optional<double> max_of(std::optional<double> a, std::optional<double> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

template <class T>
std::optional<T> number(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  const char* text = PQgetvalue(r, row, col);
  const char* end = text + PQgetlength(r, row, col);
  T value{};
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

void count_state(SessionCounts& c, const std::string& state, int n) {
  c.total += n;
  if (state == "active") {
    c.active += n;
  } else if (state == "idle") {
    c.idle += n;
  } else if (state == "idle in transaction") {
    c.idle_in_transaction += n;
  } else if (state == "idle in transaction (aborted)") {
    c.idle_in_transaction_aborted += n;
  } else {
    c.other += n;
  }
}

// Largest first; past kMaxGroups, the rest become one "(other)" group.
std::vector<GroupCount> top_groups(std::map<std::string, SessionCounts>&& groups) {
  std::vector<GroupCount> out;
  out.reserve(groups.size());
  for (auto& [key, counts] : groups) out.push_back({key, counts});
  std::ranges::stable_sort(out, [](const GroupCount& a, const GroupCount& b) {
    return a.counts.total > b.counts.total;
  });
  if (out.size() > ActivitySnapshot::kMaxGroups) {
    GroupCount other{ActivitySnapshot::kOtherGroup, {}};
    for (std::size_t i = ActivitySnapshot::kMaxGroups - 1; i < out.size(); ++i) {
      other.counts.add(out[i].counts);
    }
    out.resize(ActivitySnapshot::kMaxGroups - 1);
    out.push_back(std::move(other));
  }
  return out;
}

}  // namespace

void SessionCounts::add(const SessionCounts& o) {
  total += o.total;
  active += o.active;
  idle += o.idle;
  idle_in_transaction += o.idle_in_transaction;
  idle_in_transaction_aborted += o.idle_in_transaction_aborted;
  other += o.other;
  waiting_on_locks += o.waiting_on_locks;
  oldest_xact_s = max_of(oldest_xact_s, o.oldest_xact_s);
  oldest_idle_in_xact_s = max_of(oldest_idle_in_xact_s, o.oldest_idle_in_xact_s);
  longest_query_s = max_of(longest_query_s, o.longest_query_s);
}

int ActivitySnapshot::free_slots() const {
  return std::max(0, usable_slots - used() - 1);
}

double ActivitySnapshot::utilization() const {
  return usable_slots > 0 ? static_cast<double>(used()) / usable_slots : 1.0;
}

PipelineStatement activity_statement(std::optional<int> leader_pid) {
  return PipelineStatement{
      kActivitySql,
      {leader_pid ? std::optional<std::string>(std::to_string(*leader_pid)) : std::nullopt},
      false};
}

ActivitySnapshot aggregate_activity(const std::vector<ActivityRow>& rows) {
  ActivitySnapshot a;
  std::map<std::string, SessionCounts> apps, users, dbs, addrs;
  for (const auto& row : rows) {
    a.sessions.add(row.counts);
    apps[row.application_name].add(row.counts);
    users[row.user].add(row.counts);
    dbs[row.database].add(row.counts);
    addrs[row.client_addr].add(row.counts);
  }
  for (const auto& [key, counts] : apps) a.all_applications.push_back({key, counts});
  for (const auto& row : rows) {
    if (row.superuser && std::ranges::find(a.superuser_applications, row.application_name) ==
                             a.superuser_applications.end()) {
      a.superuser_applications.push_back(row.application_name);
    }
  }
  a.by_application = top_groups(std::move(apps));
  a.by_user = top_groups(std::move(users));
  a.by_database = top_groups(std::move(dbs));
  a.by_client_addr = top_groups(std::move(addrs));
  return a;
}

std::expected<ActivitySnapshot, std::string> read_activity(const pg_result* result) {
  if (PQresultStatus(result) != PGRES_TUPLES_OK || PQnfields(result) != kColumns ||
      PQntuples(result) < 1) {
    return std::unexpected("pg_stat_activity query returned an unexpected shape");
  }
  std::vector<ActivityRow> rows;
  for (int i = 0; i < PQntuples(result); ++i) {
    auto n = number<int>(result, i, 10);
    if (!n) continue;  // the LEFT JOIN's empty side: no other sessions at all
    ActivityRow row;
    row.application_name = PQgetvalue(result, i, 5);
    row.user = PQgetvalue(result, i, 6);
    row.database = PQgetvalue(result, i, 7);
    row.client_addr = PQgetvalue(result, i, 8);
    row.state = PQgetvalue(result, i, 9);
    count_state(row.counts, row.state, *n);
    row.counts.waiting_on_locks = number<int>(result, i, 11).value_or(0);
    row.counts.oldest_xact_s = number<double>(result, i, 12);
    row.counts.oldest_idle_in_xact_s = number<double>(result, i, 13);
    row.counts.longest_query_s = number<double>(result, i, 14);
    row.superuser = std::string_view(PQgetvalue(result, i, 15)) == "t";
    rows.push_back(std::move(row));
  }
  ActivitySnapshot a = aggregate_activity(rows);
  auto max_connections = number<int>(result, 0, 0);
  auto su_reserved = number<int>(result, 0, 1);
  if (!max_connections || !su_reserved) {
    return std::unexpected("max_connections / superuser_reserved_connections are unreadable");
  }
  a.max_connections = *max_connections;
  a.superuser_reserved_connections = *su_reserved;
  a.reserved_connections = number<int>(result, 0, 2);
  a.usable_slots =
      a.max_connections - a.superuser_reserved_connections - a.reserved_connections.value_or(0);
  a.partial_view = std::string_view(PQgetvalue(result, 0, 3)) != "t";
  a.hidden_sessions = number<int>(result, 0, 4).value_or(0);
  return a;
}

}  // namespace opsagent::probes
