// What every view of the agent's state renders from: the latest Snapshot, the config in force,
// the readiness decided from them, and (when running as an agent) the alerting and transport
// state. Alerts and transport stats are only pointed at here: the views that show them include
// their headers, the others (the health JSON, `opsagent check`, logging) never see those layers.
// Thread-safety: a plain value; the pointed-at objects must outlive the render.
#pragma once

#include "agent/web/readiness.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::alerts {
struct AlertsStatus;  // agent/alerts/alerts_status.hpp
}
namespace opsagent::http {
struct ConnectionStats;  // agent/http/connection_stats.hpp
}

namespace opsagent::web {

struct RenderContext {
  const probes::Snapshot* snapshot = nullptr;  // nullptr before the first cycle
  const config::Config* config = nullptr;      // the config in force; never nullptr when serving
  Readiness readiness;
  SteadyClock::time_point now;
  bool draining = false;
  const alerts::AlertsStatus* alerts = nullptr;        // nullptr: not running as an agent (CLI)
  const http::ConnectionStats* connections = nullptr;  // /metrics only; nullptr elsewhere
};

}  // namespace opsagent::web
