// `opsagent check` and `opsagent wait`: probe cycles run in the foreground, outside any loop,
// judged by the same readiness rule as /health/ready.
#include <algorithm>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "agent/daemon/subcommand_config.hpp"
#include "agent/daemon/subcommands.hpp"
#include "agent/web/readiness.hpp"
#include "agent/web/render_json.hpp"
#include "common/saturating_time.hpp"
#include "config/load.hpp"
#include "config/syntax/duration.hpp"
#include "probes/probe_loop.hpp"

namespace opsagent::daemon {

namespace {

web::RenderContext context_for(const probes::Snapshot& s, const config::Config& c) {
  web::RenderContext ctx;
  ctx.snapshot = &s;
  ctx.config = &c;
  ctx.now = SteadyClock::now();
  ctx.readiness = web::evaluate_readiness(&s, ctx.now, c.agent.stale_after, false);
  return ctx;
}

}  // namespace

int check_subcommand(const std::string& path, bool json) {
  auto config = load_or_report(path, "OPSAGENT UNKNOWN - config: ");
  if (!config) return kUnknown;
  probes::CycleProbes probes;
  const auto snapshot = probes::run_one_cycle(probes, *config, config::process_environment(), 1);
  const auto ctx = context_for(snapshot, *config);
  if (json) {
    std::cout << web::render_health(ctx).dump(2, ' ', false,
                                              nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << web::render_check_line(ctx) << "\n";
  }
  if (!ctx.readiness.ready) return kCritical;
  return snapshot.has_warnings() ? kWarning : kOk;
}

int wait_subcommand(const std::string& path, config::Duration timeout) {
  auto config = load_or_report(path, "opsagent wait: config: ");
  if (!config) return kUnknown;
  const auto give_up = common::saturating_add(SteadyClock::now(), timeout);
  probes::CycleProbes probes;
  const auto env = config::process_environment();
  std::string last_reason;
  for (std::uint64_t sequence = 1;; ++sequence) {
    const auto snapshot = probes::run_one_cycle(probes, *config, env, sequence);
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
    std::this_thread::sleep_until(
        std::min(give_up, common::saturating_add(now, config->agent.interval)));
  }
  std::cerr << fmt::format("not ready after {}: {}\n", config::format_duration(timeout),
                           last_reason);
  return kCritical;
}

}  // namespace opsagent::daemon
