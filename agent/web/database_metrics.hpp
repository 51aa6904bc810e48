// /metrics: the database's series of one scrape, from the latest Snapshot: connection slots and
// sessions, wait events, lock queues, the pool and its clients, connection hygiene and
// terminations, PgBouncer, utilization windows and the exhaustion forecast. Label values are
// bounded by the config or by the snapshot's capped breakdowns, never by the incident.
// Thread-safety: pure functions of the snapshot (the gauges are the caller's).
#pragma once

#include "agent/web/scrape_gauges.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

void add_database_metrics(ScrapeGauges& g, const probes::Snapshot& s);

}  // namespace opsagent::web
