#include "agent/commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "agent/readiness.hpp"
#include "agent/render_json.hpp"
#include "config/duration.hpp"
#include "config/load.hpp"
#include "probes/probe_loop.hpp"

namespace opsagent::agent {

namespace {

std::optional<config::Config> load_or_report(const std::string& path, const char* prefix) {
  auto loaded = config::load_config_file(path, config::process_environment());
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << prefix << e.to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*loaded);
}

RenderContext context_for(const probes::Snapshot& s, const config::Config& c) {
  RenderContext ctx;
  ctx.snapshot = &s;
  ctx.now = SteadyClock::now();
  ctx.readiness = evaluate_readiness(&s, ctx.now, c.agent.stale_after, false);
  return ctx;
}

}  // namespace

int validate_command(const std::string& path) {
  auto config = load_or_report(path, "");
  if (!config) return kUnknown;
  std::cout << fmt::format("{}: OK ({} expected tables, {} migration markers)\n", path,
                           config->readiness.expected_tables.size(),
                           config->readiness.migrations.size());
  return kOk;
}

int check_command(const std::string& path, bool json) {
  auto config = load_or_report(path, "OPSAGENT UNKNOWN - config: ");
  if (!config) return kUnknown;
  probes::PostgresProbe probe;
  const auto snapshot = probes::run_one_cycle(
      probe, *config, config::process_environment()(config->database.dsn_env), 1);
  const auto ctx = context_for(snapshot, *config);
  if (json) {
    std::cout << render_health(ctx).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_check_line(ctx) << "\n";
  }
  if (!ctx.readiness.ready) return kCritical;
  return snapshot.has_warnings() ? kWarning : kOk;
}

int wait_command(const std::string& path, config::Duration timeout) {
  auto config = load_or_report(path, "opsagent wait: config: ");
  if (!config) return kUnknown;
  const auto give_up = SteadyClock::now() + timeout;
  probes::PostgresProbe probe;
  std::string last_reason;
  for (std::uint64_t sequence = 1;; ++sequence) {
    const auto snapshot = probes::run_one_cycle(
        probe, *config, config::process_environment()(config->database.dsn_env), sequence);
    const auto ctx = context_for(snapshot, *config);
    if (ctx.readiness.ready) {
      std::cout << "ready: " << ctx.readiness.reason << "\n";
      return kOk;
    }
    if (ctx.readiness.reason != last_reason) {
      std::cerr << "waiting: " << ctx.readiness.reason << "\n";
      last_reason = ctx.readiness.reason;
    }
    const auto now = SteadyClock::now();
    if (now >= give_up) break;
    std::this_thread::sleep_until(std::min(give_up, now + config->agent.interval));
  }
  std::cerr << fmt::format("not ready after {}: {}\n", config::format_duration(timeout),
                           last_reason);
  return kCritical;
}

}  // namespace opsagent::agent
