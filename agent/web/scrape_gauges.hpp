// The gauges of one /metrics scrape, in a registry that lives only as long as the scrape: a
// series whose source is gone (an application that disconnected, a check no longer run) simply
// is not built. Label values are made valid UTF-8 here, once for every family.
// Thread-safety: one scrape's object, used by one thread.
#pragma once

#include <prometheus/labels.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <string>
#include <vector>

namespace opsagent::web {

class ScrapeGauges {
 public:
  void set(const std::string& name, const std::string& help, double value,
           const prometheus::Labels& labels = {});
  // Adds rather than sets: two groups whose labels become equal once sanitized (or a real
  // application literally named "(none)") are reported as their sum, not as whichever came last.
  void add(const std::string& name, const std::string& help, double value,
           const prometheus::Labels& labels);
  // A counter whose running total is kept elsewhere (the delivery queue): set once per scrape.
  void count(const std::string& name, const std::string& help, double total,
             const prometheus::Labels& labels);
  std::vector<prometheus::MetricFamily> collect() const { return registry_.Collect(); }

 private:
  prometheus::Gauge& series(const std::string& name, const std::string& help,
                            const prometheus::Labels& labels);
  prometheus::Registry registry_;
};

// A condition as a sample: 1 or 0.
inline double flag(bool b) {
  return b ? 1 : 0;
}

}  // namespace opsagent::web
