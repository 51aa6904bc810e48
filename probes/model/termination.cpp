#include "probes/model/termination.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/text/time_format.hpp"
#include "config/syntax/choices.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::probes {

std::vector<const Termination*> TerminationRecord::within_quiet_period(
    std::chrono::system_clock::time_point now) const {
  std::vector<const Termination*> out;
  for (const auto& t : recent) {
    if (now - t.last_seen < kQuietPeriod) out.push_back(&t);
  }
  return out;
}

std::string glob_to_like(std::string_view glob) {
  std::string out;
  out.reserve(glob.size() + 4);
  for (const char c : glob) {
    switch (c) {
      case '*':
        out += '%';
        break;
      case '?':
        out += '_';
        break;
      case '%':
      case '_':
      case '\\':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string> terminable_patterns(const config::PoolSection& pool) {
  std::vector<std::string> out;
  for (const auto& c : pool.clients) {
    if (!c.via_pgbouncer) out.push_back(glob_to_like(c.application_name));
  }
  return out;
}

std::optional<int> warn_reached_at(const config::Threshold& warn, int usable_slots,
                                   int max_connections) {
  // Counting up keeps this exactly Threshold::reached(), rounding included; at most
  // max_connections steps, and only in a cycle that has something to terminate.
  for (int used = 0; used <= std::max(0, max_connections); ++used) {
    if (warn.reached(used, usable_slots)) return used;
  }
  return std::nullopt;
}

std::string client_of_session(const config::PoolSection& pool, std::string_view app) {
  for (const auto& c : pool.clients) {
    if (glob_match(c.application_name, app)) return c.name;
  }
  return {};
}

bool termination_due(const ActivitySnapshot& activity, const config::PoolSection& pool,
                     PoolLevel level) {
  if (pool.terminate_idle_in_transaction == TerminateMode::off || level == PoolLevel::ok ||
      pool.terminate_role.empty()) {
    return false;
  }
  const double after_s = static_cast<double>(pool.terminate_after.count()) / 1000;
  for (const auto& row : activity.rows) {
    if (row.superuser || row.user != pool.terminate_role) continue;
    // A name a client through PgBouncer could carry may be PgBouncer's server connection: never
    // a candidate, whichever client the name matches first (as the statement's own check).
    const auto matches = [&](const auto& c) {
      return glob_match(c.application_name, row.application_name);
    };
    if (std::ranges::none_of(pool.clients, matches) ||
        std::ranges::any_of(pool.clients,
                            [&](const auto& c) { return c.via_pgbouncer && matches(c); })) {
      continue;
    }
    if (std::ranges::any_of(row.idle_in_xact_ages, [&](double age) { return age >= after_s; })) {
      return true;
    }
  }
  return false;
}

std::vector<Termination> record_round(TerminationRecord& record, TerminateMode mode,
                                      std::optional<TerminationRound> round,
                                      std::chrono::system_clock::time_point now) {
  record.mode = mode;
  std::vector<Termination> fresh;
  if (!round) {
    record.note.clear();
    return fresh;
  }
  record.note = round->note;
  for (auto& t : round->sessions) {
    const auto same = std::ranges::find_if(record.recent, [&](const Termination& r) {
      return r.mode == t.mode && r.pid == t.pid && r.state_change_epoch == t.state_change_epoch;
    });
    if (same != record.recent.end()) {
      same->last_seen = now;
      same->age_s = t.age_s;
      continue;
    }
    t.at = t.last_seen = now;
    if (t.mode == TerminateMode::dry_run || t.terminated) ++record.totals[{t.client, t.mode}];
    fresh.push_back(t);
    record.recent.insert(record.recent.begin(), std::move(t));
  }
  if (record.recent.size() > TerminationRecord::kMaxRecent) {
    record.recent.resize(TerminationRecord::kMaxRecent);
  }
  return fresh;
}

CheckResult termination_check(const TerminationRecord& record, const config::PoolSection& pool,
                              std::chrono::system_clock::time_point now) {
  CheckResult c;
  c.name = "pool:terminations";
  c.gates_readiness = false;
  const bool dry = record.mode == TerminateMode::dry_run;
  const auto recent = record.within_quiet_period(now);
  const auto quiet = config::format_duration(
      std::chrono::duration_cast<config::Duration>(TerminationRecord::kQuietPeriod));
  const std::string mode =
      fmt::format("pool.terminate_idle_in_transaction = \"{}\"", config::to_string(record.mode));
  c.status = recent.empty() ? CheckStatus::pass : CheckStatus::warn;
  c.observed_value = static_cast<double>(recent.size());
  c.observed_unit = "sessions";
  if (recent.empty()) {
    c.message = fmt::format(
        "{}: no session {} in the last {} (role {}, idle in a transaction for {} while the pool "
        "is at or above pool.warn)",
        mode, dry ? "would have been terminated" : "terminated", quiet, pool.terminate_role,
        config::format_duration(pool.terminate_after));
  } else {
    std::vector<std::string> parts;
    parts.reserve(recent.size());
    for (const auto* t : recent) {
      parts.push_back(fmt::format("{} (pid {}, {}, idle in transaction {})", t->application_name,
                                  t->pid, t->client, common::format_elapsed(t->age_s)));
    }
    c.message = fmt::format("{}: {} session{} {} in the last {}: {}", mode, recent.size(),
                            recent.size() == 1 ? "" : "s",
                            dry ? "would have been terminated" : "terminated", quiet,
                            fmt::join(parts, ", "));
  }
  if (!record.note.empty()) c.message += "; " + record.note;
  return c;
}

}  // namespace opsagent::probes
