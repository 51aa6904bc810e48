// [[upstreams]]: the public APIs the app calls, each probed by the agent with one circuit breaker
// that every worker of the app shares (GET /upstreams/<name>). Each entry is read against its key
// table, then checked for its required keys and for timeout <= interval; names are checked for
// uniqueness across entries by apply_table_array().
#include <algorithm>
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/http_url.hpp"
#include "config/syntax/quoting.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

// An [[upstreams]] entry while it is being read, for the same reasons as ClientDraft.
struct UpstreamDraft {
  Position at;  // the entry's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<std::string>> url;
  std::optional<Given<Duration>> interval;
  std::optional<Given<Duration>> timeout;
  std::optional<Given<int>> expect_status;
  std::optional<Given<int>> failure_threshold;
  std::optional<Given<Duration>> recovery_timeout;
  std::optional<Given<bool>> gates_readiness;
};

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxNameLength = 63;

bool url_path_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// The name is part of a URL path (/upstreams/<name>) that app workers build: only characters
// that need no escaping there, and no "." or ".." that a client would fold away.
void set_name(const toml::node& v, const std::string& k, UpstreamDraft& u, Diagnostics& d) {
  u.name.emplace(std::string{}, position_of(v));
  const std::string* text = string_value(v, k, "a string like \"soda\"", d);
  if (!text) return;
  std::string problem;
  if (text->empty()) {
    problem = "is empty";
  } else if (text->size() > kMaxNameLength) {
    problem = "is " + std::to_string(text->size()) + " characters long; at most " +
              std::to_string(kMaxNameLength) + " are allowed";
  } else if (!std::ranges::all_of(*text, url_path_safe)) {
    problem =
        "has characters other than letters, digits, '_', '.' and '-' (it is used in the "
        "path /upstreams/<name>)";
  } else if ((*text)[0] == '.' || (*text)[0] == '-') {
    problem = "must start with a letter, a digit or '_'";
  }
  if (!problem.empty()) {
    return report(d, v, k,
                  "upstream name " + in_quotes(*text) + " " + problem + "; e.g. name = \"soda\"");
  }
  u.name->value = *text;
}

void set_url(const toml::node& v, const std::string& k, UpstreamDraft& u, Diagnostics& d) {
  u.url.emplace(std::string{}, position_of(v));
  const std::string* text =
      string_value(v, k, "a string like \"https://data.example.org/resource/x.json\"", d);
  if (!text) return;
  // Not echoed: an API URL can carry a token in its query.
  auto url = parse_receiver_url(*text);
  if (!url) return report(d, v, k, "not a usable upstream URL: " + url.error());
  u.url->value = std::move(url->url);
}

std::optional<Upstream> resolve(const UpstreamDraft& u, const std::string& key, Diagnostics& diag) {
  if (!u.name) {
    diag.error(u.at, key + ".name",
               "missing `name`: give every upstream a unique name, e.g. name = \"soda\"");
  }
  if (!u.url) {
    diag.error(u.at, key + ".url",
               "missing `url`: the API endpoint to probe, e.g. url = "
               "\"https://data.cityofchicago.org/resource/ydr8-5enu.json?$limit=1\"");
  }
  if (!u.name || !u.url) return std::nullopt;
  const Upstream defaults;
  Upstream out{
      .name = u.name->value,
      .url = u.url->value,
      .interval = u.interval ? u.interval->value : defaults.interval,
      .timeout = u.timeout ? u.timeout->value : defaults.timeout,
      .expect_status = u.expect_status ? u.expect_status->value : defaults.expect_status,
      .failure_threshold =
          u.failure_threshold ? u.failure_threshold->value : defaults.failure_threshold,
      .recovery_timeout =
          u.recovery_timeout ? u.recovery_timeout->value : defaults.recovery_timeout,
      .gates_readiness = u.gates_readiness ? u.gates_readiness->value : defaults.gates_readiness};
  // Probes of one upstream never overlap: a request longer than the interval would make the
  // interval a lie.
  if (out.timeout > out.interval && !diag.has_error(key + ".timeout") &&
      !diag.has_error(key + ".interval")) {
    diag.error(u.timeout ? u.timeout->at : (u.interval ? u.interval->at : u.at), key + ".timeout",
               "timeout " + format_duration(out.timeout) + " is longer than interval " +
                   format_duration(out.interval) +
                   "; a probe must end before the next is due: lower timeout or raise interval");
  }
  return out;
}

using Key = KeySpec<UpstreamDraft>;
constexpr std::string_view kSection = "upstreams";

const std::array kKeys{
    Key{kSection, "name", custom<&set_name>("string"), "", Reload::live,
        "required; unique among the upstreams; 1..63 letters, digits, '_', '.' or '-' (no leading "
        "'.' or '-'); the endpoint is /upstreams/<name> and the check \"upstream:<name>\""},
    Key{kSection, "url", custom<&set_url>("string"), "", Reload::live,
        "required; http:// or https://host[:port][/path][?query], no user:password@ and no "
        "#fragment; https verifies the server's certificate against the system's CA store"},
    Key{kSection, "interval", duration<&UpstreamDraft::interval>(1s, 1h), "\"10s\"", Reload::live,
        "how often the upstream is probed while the circuit is closed; 1s..1h"},
    Key{kSection, "timeout", duration<&UpstreamDraft::timeout>(100ms, 60s), "\"5s\"", Reload::live,
        "how long one probe may take (name lookup, connect, TLS, answer); 100ms..60s and at most "
        "interval"},
    Key{kSection, "expect_status", integer<&UpstreamDraft::expect_status>(100, 599, 200), "200",
        Reload::live, "the HTTP status a healthy upstream answers with; 100..599"},
    Key{kSection, "failure_threshold", integer<&UpstreamDraft::failure_threshold>(1, 1000, 5), "5",
        Reload::live, "consecutive failed probes that open the circuit; 1..1000"},
    Key{kSection, "recovery_timeout", duration<&UpstreamDraft::recovery_timeout>(1s, 1h), "\"60s\"",
        Reload::live,
        "while open, one probe (half-open) every recovery_timeout: success closes the circuit, "
        "failure keeps it open; 1s..1h"},
    Key{kSection, "gates_readiness", boolean<&UpstreamDraft::gates_readiness>(), "false",
        Reload::live,
        "whether an open circuit makes the agent not ready (/health/ready 503); by default it "
        "is a warning and an alert only"},
};

// [[upstreams]] is a top-level array of tables: a row of the root table (section "").
const std::array kRootKeys{
    KeySpec<Config>{"", "upstreams", custom<&apply_upstreams>("array of tables"), "[]",
                    Reload::live,
                    "public APIs the app calls, one [[upstreams]] block each (keys below): probed "
                    "on their own threads, each with one circuit breaker for every app worker "
                    "(GET /upstreams/<name>)"},
};

}  // namespace

std::span<const KeySpec<Config>> upstreams_keys() {
  return kRootKeys;
}

std::span<const KeySpec<UpstreamDraft>> upstream_keys() {
  return kKeys;
}

void apply_upstreams(const toml::node& value, const std::string& key, Config& config,
                     Diagnostics& diag) {
  const TableArray<UpstreamDraft> spec{
      .section = kSection, .block = "upstream", .expects = "`name` and `url`", .keys = kKeys};
  auto upstreams = apply_table_array(
      value, key, spec,
      [](Position at) {
        return UpstreamDraft{.at = at,
                             .name = {},
                             .url = {},
                             .interval = {},
                             .timeout = {},
                             .expect_status = {},
                             .failure_threshold = {},
                             .recovery_timeout = {},
                             .gates_readiness = {}};
      },
      resolve, diag);
  if (upstreams) config.upstreams = std::move(*upstreams);
}

}  // namespace opsagent::config
