// /metrics: the app's side of one scrape, from the latest Snapshot: [[readiness.http]] latency,
// [[upstreams]] breakers, [[jobs]], [[queries]] and the container's cgroup. Labels come from the
// config (names, columns), so their number is bounded by it.
// Thread-safety: pure functions of the snapshot (the gauges are the caller's).
#pragma once

#include "agent/web/scrape_gauges.hpp"
#include "common/clock.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

// `now`: job ages count on from their last read to the scrape.
void add_app_metrics(ScrapeGauges& g, const probes::Snapshot& s, SteadyClock::time_point now);

}  // namespace opsagent::web
