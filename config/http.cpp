// [[readiness.http]]: each entry is read against http_keys(), then checked for its required keys,
// then names are checked for uniqueness across entries.
#include "config/keys.hpp"
#include "config/table_array.hpp"
#include "config/values.hpp"

namespace opsagent::config {
namespace {

std::optional<HttpCheck> resolve(const HttpDraft& h, const std::string& key, Diagnostics& diag) {
  // Reported at the entry's table: a missing key has no position of its own.
  if (!h.name) {
    diag.error(h.at, key + ".name",
               "missing `name`: give every check a unique name, e.g. name = \"app\"");
  }
  if (!h.url) {
    diag.error(h.at, key + ".url",
               "missing `url`: the app's health endpoint, e.g. url = "
               "\"http://127.0.0.1:8000/healthz\"");
  }
  if (!h.name || !h.url) return std::nullopt;
  const HttpCheck defaults;
  return HttpCheck{
      .name = h.name->value,
      .url = h.url->value,
      .expect_status = h.expect_status ? h.expect_status->value : defaults.expect_status,
      .timeout = h.timeout ? h.timeout->value : defaults.timeout};
}

}  // namespace

void apply_http_checks(const toml::node& value, const std::string& key, Config& config,
                       Diagnostics& diag) {
  const TableArray<HttpDraft> spec{.section = "readiness.http",
                                   .block = "check",
                                   .expects = "`name` and `url`",
                                   .keys = http_keys()};
  auto checks = apply_table_array(
      value, key, spec,
      [](Position at) {
        return HttpDraft{.at = at, .name = {}, .url = {}, .expect_status = {}, .timeout = {}};
      },
      resolve, diag);
  if (checks) config.readiness.http = std::move(*checks);
}

}  // namespace opsagent::config
