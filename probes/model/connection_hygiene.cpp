#include "probes/model/connection_hygiene.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "common/text/time_format.hpp"
#include "config/syntax/duration.hpp"
#include "probes/model/pool_model.hpp"

namespace opsagent::probes {
namespace {

// The first declared client whose pattern matches, as the pool model attributes sessions.
const config::PoolClient* client_of(const config::PoolSection& pool, std::string_view app) {
  for (const auto& c : pool.clients) {
    if (glob_match(c.application_name, app)) return &c;
  }
  return nullptr;
}

std::string age_text(std::optional<double> s) {
  return s ? common::format_elapsed(std::max(0.0, *s)) : std::string("age unknown");
}

}  // namespace

std::optional<int> worker_pid(std::string_view pattern, std::string_view application_name) {
  const auto star = pattern.find('*');
  if (star == std::string_view::npos || pattern.find('*', star + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  if (!glob_match(pattern, application_name)) return std::nullopt;
  // Only '*' has a variable length ('?' is one character): the star's part sits between the
  // lengths of the pattern's prefix and suffix.
  const std::size_t prefix = star;
  const std::size_t suffix = pattern.size() - star - 1;
  if (application_name.size() < prefix + suffix) return std::nullopt;
  const auto part = application_name.substr(prefix, application_name.size() - prefix - suffix);
  int pid = 0;
  const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), pid);
  if (part.empty() || ec != std::errc{} || ptr != part.data() + part.size() || pid <= 0 ||
      part.front() == '0') {
    return std::nullopt;
  }
  return pid;
}

bool from_agent_host(std::string_view client_addr, std::string_view own_addr) {
  return client_addr == "local" || (!client_addr.empty() && client_addr == own_addr);
}

ConnectionHygiene assess_hygiene(const ActivitySnapshot& activity, const config::PoolSection& pool,
                                 const std::optional<std::set<int>>& live_pids) {
  ConnectionHygiene h;
  h.leaks_checked = live_pids.has_value();
  h.idle_in_transaction_warn = pool.idle_in_transaction_warn;
  for (const auto& c : pool.clients) {
    h.idle_in_transaction.push_back(ClientIdleInTransaction{.client = c.name, .oldest_s = {}});
  }
  const double warn_s = static_cast<double>(pool.idle_in_transaction_warn.count()) / 1000;
  std::map<std::string, LeakedConnections> leaks;  // by application_name
  for (const auto& row : activity.rows) {
    const auto* client = client_of(pool, row.application_name);
    if (!client) continue;
    auto& idle =
        *std::ranges::find(h.idle_in_transaction, client->name, &ClientIdleInTransaction::client);
    for (const double age : row.idle_in_xact_ages) {
      ++idle.sessions;
      if (age >= warn_s) ++idle.past_warn;
      idle.oldest_s = std::max(idle.oldest_s.value_or(age), age);
    }
    // Through PgBouncer a server connection keeps the name of a client long gone: not a leak.
    if (!live_pids || client->via_pgbouncer ||
        !from_agent_host(row.client_addr, activity.own_client_addr)) {
      continue;
    }
    const auto pid = worker_pid(client->application_name, row.application_name);
    if (!pid || live_pids->contains(*pid)) continue;
    auto& leak = leaks[row.application_name];
    leak.client = client->name;
    leak.application_name = row.application_name;
    leak.worker_pid = *pid;
    leak.sessions += row.counts.total;
    if (row.oldest_backend_s) {
      leak.oldest_s =
          std::max(leak.oldest_s.value_or(*row.oldest_backend_s), *row.oldest_backend_s);
    }
  }
  for (auto& [name, leak] : leaks) {
    h.leaked_sessions += leak.sessions;
    h.leaked.push_back(std::move(leak));
  }
  std::ranges::stable_sort(h.leaked, [](const auto& a, const auto& b) {
    return a.oldest_s.value_or(0) > b.oldest_s.value_or(0);
  });
  if (h.leaked.size() > ConnectionHygiene::kMaxLeaked)
    h.leaked.resize(ConnectionHygiene::kMaxLeaked);
  return h;
}

std::vector<CheckResult> hygiene_checks(const ConnectionHygiene& h) {
  std::vector<CheckResult> out;
  if (h.leaks_checked) {
    CheckResult c;
    c.name = "pool:leaked";
    c.gates_readiness = false;
    c.status = h.leaked.empty() ? CheckStatus::pass : CheckStatus::warn;
    if (h.leaked.empty()) {
      c.message = "no session names a worker that is gone";
    } else {
      std::vector<std::string> parts;
      parts.reserve(h.leaked.size());
      for (const auto& l : h.leaked) {
        parts.push_back(fmt::format("{} ({} session{}, oldest {})", l.application_name, l.sessions,
                                    l.sessions == 1 ? "" : "s", age_text(l.oldest_s)));
      }
      c.message = fmt::format(
          "{} leaked session{}: their worker process no longer runs: {}; they hold slots until "
          "the process holding them exits or they are terminated",
          h.leaked_sessions, h.leaked_sessions == 1 ? "" : "s", fmt::join(parts, ", "));
    }
    c.observed_value = h.leaked_sessions;
    c.observed_unit = "sessions";
    out.push_back(std::move(c));
  }
  if (!h.idle_in_transaction.empty()) {
    CheckResult c;
    c.name = "pool:idle_in_transaction";
    c.gates_readiness = false;
    std::vector<std::string> parts;
    int past = 0;
    for (const auto& i : h.idle_in_transaction) {
      past += i.past_warn;
      if (i.past_warn > 0) {
        parts.push_back(
            fmt::format("{}: {} (oldest {})", i.client, i.past_warn, age_text(i.oldest_s)));
      }
    }
    c.status = past == 0 ? CheckStatus::pass : CheckStatus::warn;
    const auto limit = config::format_duration(h.idle_in_transaction_warn);
    c.message = past == 0 ? fmt::format(
                                "no declared client's session idle in a transaction for "
                                "{} or longer (pool.idle_in_transaction_warn)",
                                limit)
                          : fmt::format("{} session{} idle in a transaction for {} or longer: {}",
                                        past, past == 1 ? "" : "s", limit, fmt::join(parts, ", "));
    c.observed_value = past;
    c.observed_unit = "sessions";
    out.push_back(std::move(c));
  }
  return out;
}

void LeakConfirmation::confirm(ConnectionHygiene& h) {
  std::set<std::string> now;
  for (const auto& l : h.leaked) now.insert(l.application_name);
  std::erase_if(h.leaked, [&](const auto& l) { return !previous_.contains(l.application_name); });
  h.leaked_sessions = 0;
  for (const auto& l : h.leaked) h.leaked_sessions += l.sessions;
  previous_ = std::move(now);
}

}  // namespace opsagent::probes
