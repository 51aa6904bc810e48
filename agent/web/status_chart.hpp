// The /status page's chart: connection utilization over the last hour as an inline SVG (no
// script, no external asset), x is time with now at the right edge, y is 0..100% of usable
// slots, dashed lines mark the percentage thresholds. Thread-safety: pure function.
#pragma once

#include <string>

#include "config/config.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

// The <svg> element for s.utilization.chart against the pool's warn and critical thresholds.
std::string utilization_chart_svg(const probes::Snapshot& s, const config::PoolSection& pool);

}  // namespace opsagent::web
