// /metrics: Prometheus text exposition through prometheus-cpp core. Counters and the probe
// duration histogram accumulate across cycles (observe_cycle, from the probe loop); gauges are
// derived from the latest Snapshot at scrape time. Label cardinality is bounded: application
// names come from ActivitySnapshot's capped breakdown (the rest as "(other)").
// Thread-safety: observe_cycle and render may run concurrently (prometheus-cpp metrics are
// thread-safe; the family maps are guarded).
#pragma once

#include <memory>
#include <string>

#include "agent/web/render_context.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

class PrometheusMetrics {
 public:
  PrometheusMetrics();
  ~PrometheusMetrics();
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  // Once per published Snapshot: probe duration histogram, probe errors by check and class.
  void observe_cycle(const probes::Snapshot& snapshot);

  // The whole exposition for one scrape.
  std::string render(const RenderContext& ctx) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace opsagent::web
