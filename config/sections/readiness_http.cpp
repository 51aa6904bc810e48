// [[readiness.http]]: each entry is read against its key table, then checked for its required
// keys, then names are checked for uniqueness across entries.
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/http_url.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

// A [[readiness.http]] entry while it is being read, for the same reasons as ClientDraft.
struct HttpDraft {
  Position at;  // the check's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<std::string>> url;  // as stored: see HttpUrl::url
  std::optional<Given<int>> expect_status;
  std::optional<Given<Duration>> timeout;
};

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

void set_url(const toml::node& v, const std::string& k, HttpDraft& h, Diagnostics& d) {
  h.url.emplace(std::string{}, position_of(v));
  const std::string* text =
      string_value(v, k, "a string like \"http://127.0.0.1:8000/healthz\"", d);
  if (!text) return;
  // Not echoed: the reason quotes only the offending part, never a password.
  auto url = parse_http_url(*text);
  if (!url) return report(d, v, k, "not a usable check URL: " + url.error());
  h.url->value = std::move(url->url);
}

using namespace std::chrono_literals;

// Like the client keys: resolve() reports missing keys, apply_table_array() duplicate names.
using Key = KeySpec<HttpDraft>;
constexpr std::string_view kSection = "readiness.http";

const std::array kKeys{
    Key{kSection, "name", entry_name<&HttpDraft::name>("check name", "app"), "", Reload::live,
        "required; unique among the HTTP checks; 1..63 printable ASCII characters; the check "
        "shows as \"http:<name>\" in /health/ready"},
    Key{kSection, "url", custom<&set_url>("string"), "", Reload::live,
        "required; http://host[:port][/path]: plain HTTP only (no https, no user:password@); host "
        "a name, an IPv4 address or a bracketed IPv6 address; port 1..65535, default 80; path "
        "default \"/\""},
    Key{kSection, "expect_status", integer<&HttpDraft::expect_status>(100, 599, 200), "200",
        Reload::live, "the HTTP status the app must answer with; 100..599"},
    Key{kSection, "timeout", duration<&HttpDraft::timeout>(100ms, 60s), "\"2s\"", Reload::live,
        "how long one request may take, connecting included; 100ms..60s"},
};

}  // namespace

std::span<const KeySpec<HttpDraft>> http_keys() {
  return kKeys;
}

void apply_http_checks(const toml::node& value, const std::string& key, Config& config,
                       Diagnostics& diag) {
  const TableArray<HttpDraft> spec{
      .section = "readiness.http", .block = "check", .expects = "`name` and `url`", .keys = kKeys};
  auto checks = apply_table_array(
      value, key, spec,
      [](Position at) {
        return HttpDraft{.at = at, .name = {}, .url = {}, .expect_status = {}, .timeout = {}};
      },
      resolve, diag);
  if (checks) config.readiness.http = std::move(*checks);
}

}  // namespace opsagent::config
