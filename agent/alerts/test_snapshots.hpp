// Snapshots for the alert tests: what the probe loop would publish with a given pool usage.
// Test code only. Thread-safety: pure functions.
#pragma once

#include <string>

#include "config/config.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::alerts {

// A snapshot with `used` sessions of one application out of 100 usable slots.
inline probes::Snapshot snapshot(const config::Config& c, int used, std::string app = "web:1") {
  probes::ActivityRow row;
  row.application_name = std::move(app);
  row.state = "idle";
  row.counts.total = used;
  row.counts.idle = used;
  probes::ActivitySnapshot a = probes::aggregate_activity({row});
  a.max_connections = 103;
  a.superuser_reserved_connections = 3;
  a.usable_slots = 100;
  probes::Snapshot s;
  s.pool = probes::evaluate_pool(a, c.pool);
  s.activity = a;
  probes::CheckResult ok;
  ok.name = "postgres:connection";
  ok.status = probes::CheckStatus::pass;
  s.checks.push_back(ok);
  return s;
}

}  // namespace opsagent::alerts
