#include "probes/model/pgbouncer_model.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/syntax/duration.hpp"

namespace opsagent::probes {

namespace {

std::string seconds_text(double s) {
  return config::format_duration(
      config::Duration(static_cast<std::int64_t>(std::max(0.0, s) * 1000)));
}

// "app/app: 21 waiting (maxwait 3.2s), 10/10 server connections active"
std::string pool_line(const PgBouncerPool& p) {
  return fmt::format("{}/{}: {} waiting (maxwait {}), {}/{} server connections active", p.database,
                     p.user, p.cl_waiting, seconds_text(p.maxwait_s), p.sv_active,
                     p.pool_size + p.reserve_pool);
}

}  // namespace

int PgBouncerSnapshot::total(int PgBouncerPool::*field) const {
  int n = 0;
  for (const auto& p : pools) n += p.*field;
  return n;
}

double PgBouncerSnapshot::longest_wait_s() const {
  double w = 0;
  for (const auto& p : pools) w = std::max(w, p.maxwait_s);
  return w;
}

const PgBouncerPool* PgBouncerSnapshot::find_pool(std::string_view database,
                                                  std::string_view user) const {
  const auto it = std::ranges::find_if(
      pools, [&](const PgBouncerPool& p) { return p.database == database && p.user == user; });
  return it == pools.end() ? nullptr : &*it;
}

int PgBouncerSnapshot::server_connection_cap(std::string* arithmetic) const {
  int total = 0;
  std::string terms;
  for (const auto& db : databases) {
    const int pools_of_db = std::max<int>(
        1, static_cast<int>(std::ranges::count(pools, db.name, &PgBouncerPool::database)));
    const int per_pool = db.pool_size + db.reserve_pool;
    const int limit = db.max_connections > 0 ? db.max_connections : max_db_connections;
    int cap = per_pool * pools_of_db;
    std::string term =
        fmt::format("{}×({}+{}) ({})", pools_of_db, db.pool_size, db.reserve_pool, db.name);
    if (limit > 0 && limit < cap) {
      cap = limit;
      term = fmt::format("{} max_db_connections ({})", limit, db.name);
    }
    total += cap;
    terms += (terms.empty() ? "" : " + ") + term;
  }
  if (arithmetic != nullptr) *arithmetic = terms.empty() ? "no databases" : terms;
  return total;
}

CheckResult pgbouncer_check(const PgBouncerSnapshot& s, const config::Config& config) {
  CheckResult c;
  c.name = "pgbouncer:pools";
  c.gates_readiness = false;
  const int waiting = s.clients_waiting();
  const double longest = s.longest_wait_s();
  c.observed_value = waiting;
  c.observed_unit = "clients waiting";
  const auto critical_s = static_cast<double>(config.pgbouncer.maxwait_critical.count()) / 1000;
  if (waiting == 0) {
    c.status = CheckStatus::pass;
    c.message =
        fmt::format("{} pool(s): {} client(s) active, none waiting; {} server connection(s) active",
                    s.pools.size(), s.clients_active(), s.servers_active());
    return c;
  }
  std::vector<std::string> lines;
  for (const auto& p : s.pools) {
    if (p.cl_waiting > 0) lines.push_back(pool_line(p));
  }
  c.error = ErrorClass::pooler_saturated;
  c.message =
      fmt::format("{} client(s) wait for a server connection: {}", waiting, fmt::join(lines, "; "));
  if (config.pgbouncer.maxwait_critical.count() > 0 && longest >= critical_s) {
    c.status = CheckStatus::fail;
    c.message += fmt::format("; the longest wait reached pgbouncer.maxwait_critical ({})",
                             config::format_duration(config.pgbouncer.maxwait_critical));
    c.gates_readiness =
        config.readiness.on_pressure == config::ReadinessSection::Pressure::not_ready;
  } else {
    c.status = CheckStatus::warn;
  }
  return c;
}

ErrorClass pooler_blame(ErrorClass error, const PgBouncerSnapshot* snapshot,
                        std::string_view database, std::string* message) {
  if (error != ErrorClass::timeout || snapshot == nullptr) return error;
  std::vector<std::string> lines;
  for (const auto& p : snapshot->pools) {
    if (p.database == database && p.cl_waiting > 0) lines.push_back(pool_line(p));
  }
  if (lines.empty()) return error;
  if (message != nullptr) {
    *message = fmt::format(
        "the agent's query waited in PgBouncer's queue and got no server connection in time "
        "({}); Postgres itself was not asked",
        fmt::join(lines, "; "));
  }
  return ErrorClass::pooler_saturated;
}

}  // namespace opsagent::probes
