#include "agent/web/scrape_gauges.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "common/text/utf8.hpp"

namespace opsagent::web {

namespace {

using prometheus::Labels;

// prometheus-cpp escapes quotes, backslashes and newlines in label values but passes bytes
// through, and a scraper rejects the whole exposition over one invalid UTF-8 byte. Label values
// can come from other people's sessions (application_name), so each invalid byte becomes U+FFFD.
Labels sanitized(const Labels& labels) {
  Labels out;
  for (const auto& [name, value] : labels) out.emplace(name, common::valid_utf8(value));
  return out;
}

}  // namespace

void ScrapeGauges::set(const std::string& name, const std::string& help, double value,
                       const Labels& labels) {
  series(name, help, labels).Set(value);
}

void ScrapeGauges::add(const std::string& name, const std::string& help, double value,
                       const Labels& labels) {
  series(name, help, labels).Increment(value);
}

void ScrapeGauges::count(const std::string& name, const std::string& help, double total,
                         const Labels& labels) {
  prometheus::BuildCounter()
      .Name(name)
      .Help(help)
      .Register(registry_)
      .Add(sanitized(labels))
      .Increment(total);
}

prometheus::Gauge& ScrapeGauges::series(const std::string& name, const std::string& help,
                                        const Labels& labels) {
  // The registry merges a family built twice under the same name.
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry_).Add(sanitized(labels));
}

}  // namespace opsagent::web
