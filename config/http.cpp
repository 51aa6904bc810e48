// [[readiness.http]]: each entry is read against http_keys(), then checked for its required keys,
// then names are checked for uniqueness across entries.
#include <map>

#include "config/keys.hpp"
#include "config/values.hpp"

namespace opsagent::config {
namespace {

struct FirstUse {
  std::string key;
  Position at;
};

// Names identify checks in /health/ready ("http:<name>"), so two must never share one.
void check_unique_name(const HttpDraft& h, const std::string& key,
                       std::map<std::string, FirstUse>& names, Diagnostics& diag) {
  if (!h.name || diag.has_error(key + ".name")) return;
  const auto [first, inserted] = names.try_emplace(h.name->value, FirstUse{key, h.name->at});
  if (inserted) return;
  diag.error(h.name->at, key + ".name",
             "check name " + in_quotes(h.name->value) + " is already used by " + first->second.key +
                 " (line " + std::to_string(first->second.at.line) +
                 "); give each check its own name");
}

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
  const auto* array = value.as_array();
  if (!array) {
    diag.error(position_of(value), key,
               "expected an array of tables (write each check as a [[readiness.http]] block), "
               "got " +
                   std::string(type_name(value)));
    return;
  }
  std::vector<HttpCheck> checks;
  std::map<std::string, FirstUse> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    const auto* table = item.as_table();
    if (!table) {
      diag.error(position_of(item), item_key,
                 "expected a table with `name` and `url`, got " + std::string(type_name(item)));
      continue;
    }
    HttpDraft draft{
        .at = position_of(*table), .name = {}, .url = {}, .expect_status = {}, .timeout = {}};
    apply_table(*table, "readiness.http", item_key, http_keys(), draft, diag);
    check_unique_name(draft, item_key, names, diag);
    if (auto check = resolve(draft, item_key, diag)) checks.push_back(std::move(*check));
  }
  config.readiness.http = std::move(checks);
}

}  // namespace opsagent::config
