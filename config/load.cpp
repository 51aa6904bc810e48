#include "config/load.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/bounded_file.hpp"
#include "config/diagnostics.hpp"
#include "config/did_you_mean.hpp"
#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/choices.hpp"
#include "config/syntax/draining_seconds.hpp"
#include "config/syntax/host_port.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

constexpr std::string_view kHowToPass =
    "pass --config FILE or set OPSAGENT_CONFIG; see config/example.toml";

// toml++ quotes the text it stopped at in its error descriptions, and that can be a line break
// or another control character from the file ("expected 'inf', saw 'i\n'"). Messages are printed
// one per line and logged, so those are escaped (\x0a) like in_quotes does.
std::string escape_control_chars(std::string_view text) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string list_sections(std::span<const std::string_view> sections) {
  std::string out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (i > 0) out += (i + 1 == sections.size()) ? " and " : ", ";
    // Appended: "[" + std::string(…) trips g++ 12's false -Wrestrict at -O3 (see to_string).
    out.append("[").append(sections[i]).append("]");
  }
  return out;
}

// A top-level name that is not a section: a misspelt section, or a key that lost its section.
// `arrays`: the top-level arrays of tables ([[upstreams]]), for a misspelt one.
std::string unknown_top_level_message(std::string_view name, bool is_table,
                                      std::span<const std::string_view> sections,
                                      std::span<const std::string_view> arrays) {
  if (auto near = closest(name, arrays); near && !is_table) {
    return "unknown key '" + std::string(name) + "'; did you mean [[" + std::string(*near) + "]]?";
  }
  if (is_table) {
    std::string message = "unknown section [" + std::string(name) + "]";
    if (auto near = closest(name, sections)) {
      return message + "; did you mean [" + std::string(*near) + "]?";
    }
    return message + "; the sections are " + list_sections(sections);
  }
  const std::string message = "unknown key '" + std::string(name) + "'";
  for (const auto& spec : config_keys()) {
    if (spec.name == name && !spec.section.empty()) {
      return message + "; did you mean '" + std::string(spec.section) + "." +
             std::string(spec.name) + "'? (put it under [" + std::string(spec.section) + "])";
    }
  }
  return message + "; every key belongs in one of the sections " + list_sections(sections);
}

// The root table's own keys (section ""): the top-level arrays of tables, [[upstreams]].
const KeySpec<Config>* root_key(std::string_view name) {
  const auto keys = config_keys();
  const auto it = std::ranges::find_if(
      keys, [&](const auto& spec) { return spec.section.empty() && spec.name == name; });
  return it == keys.end() ? nullptr : &*it;
}

void apply_file(const toml::table& root, Config& config, Diagnostics& diag) {
  const auto sections = config_sections();
  std::vector<std::string_view> arrays;
  for (const auto& spec : config_keys()) {
    if (spec.section.empty()) arrays.push_back(spec.name);
  }
  for (auto&& [name, value] : root) {
    const std::string section(name.str());
    if (const auto* spec = root_key(section)) {
      diag.mark_set(section, position_of(value));
      spec->apply(value, section, spec->bounds, config, diag);
      continue;
    }
    if (std::ranges::find(sections, section) == sections.end()) {
      const std::string shown = display_key(section);
      diag.error(position_of(name), shown,
                 unknown_top_level_message(shown, value.is_table(), sections, arrays));
      continue;
    }
    const auto* table = value.as_table();
    if (!table) {
      diag.error(position_of(value), section,
                 "expected a table [" + section + "], got " + std::string(type_name(value)));
      continue;
    }
    apply_table(*table, section, section, config_keys(), config, diag);
  }
}

// Unset and empty are the same: `PORT=` is what `${PORT}` yields when the variable is missing.
std::optional<std::string> env_value(const Environment& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

void apply_environment(const Environment& env, Config& c, Diagnostics& diag) {
  constexpr std::string_view kSuffix = " (environment)";
  if (auto port = env_value(env, "PORT")) {
    if (auto parsed = parse_port(*port)) {
      c.agent.listen_port = *parsed;
    } else {
      diag.error_outside_file("PORT" + std::string(kSuffix), parsed.error());
    }
  }
  if (auto level = env_value(env, "OPSAGENT_LOG_LEVEL")) {
    if (auto parsed = parse_log_level(*level)) {
      c.log.level = std::move(*parsed);
    } else {
      diag.error_outside_file("OPSAGENT_LOG_LEVEL" + std::string(kSuffix), parsed.error());
    }
  }
  if (auto format = env_value(env, "OPSAGENT_LOG_FORMAT")) {
    if (auto parsed = parse_log_format(*format)) {
      c.log.format = *parsed;
    } else {
      diag.error_outside_file("OPSAGENT_LOG_FORMAT" + std::string(kSuffix), parsed.error());
    }
  }
  // On Railway a deploy is zero-downtime by default: the new deployment starts while the old one
  // still serves, so both hold their pools at once. Only a default, like the drain below.
  if (!diag.where_set("deploy.overlap") &&
      (env_value(env, "RAILWAY_DEPLOYMENT_ID") || env_value(env, "RAILWAY_SERVICE_ID"))) {
    c.deploy.overlap = 2;
    c.deploy.overlap_from_platform = true;
  }
  // Railway sends SIGKILL this many seconds after SIGTERM. Draining for half of it leaves the
  // other half for the supervised app to stop, so neither is killed mid-shutdown. Only a default:
  // a drain written in the file is a deliberate choice. Checked even then, like PORT, so that a
  // broken value shows up before a deployment depends on it.
  constexpr std::string_view kRailwayDraining = "RAILWAY_DEPLOYMENT_DRAINING_SECONDS";
  if (auto seconds = env_value(env, kRailwayDraining)) {
    if (auto parsed = parse_draining_seconds(*seconds); !parsed) {
      diag.error_outside_file(std::string(kRailwayDraining) + std::string(kSuffix), parsed.error());
    } else if (!diag.where_set("agent.drain")) {
      // Beyond kMaxDrain the app simply gets more than half.
      c.agent.drain = std::min(Duration{std::int64_t{*parsed} * 500}, kMaxDrain);
    }
  }
}

std::expected<std::string, std::string> read_file(const std::string& path) {
  if (path.empty()) return std::unexpected("no config file given");
  auto text = common::read_bounded_file(path, kMaxConfigBytes);
  if (!text) return std::unexpected("the config file " + text.error().message);
  return std::move(*text);
}

std::expected<Config, ConfigErrors> load_text(std::string_view toml_text,
                                              const std::string& source_name,
                                              const Environment& env, bool check_paths);

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    if (!out.empty()) out += ':';
    out += std::to_string(line);
    // Appended piece by piece: g++ 12 at -O3 reports a false -Wrestrict for a one-character
    // literal prepended to a temporary string (":" + std::to_string(column)).
    if (column > 0) out.append(":").append(std::to_string(column));
  }
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

namespace {

// systemd's LoadCredential=NAME:/path puts the secret in $CREDENTIALS_DIRECTORY/NAME, readable
// only by the service: a variable that is not set is looked up there, so the DSN and the token
// need not sit in the process environment at all.
std::optional<std::string> read_credential(std::string_view name) {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0' || name.empty() ||
      name.find_first_of("/\0") != std::string_view::npos || name == "." || name == "..") {
    return std::nullopt;
  }
  // A FIFO, a device or anything over the limit (a DSN or a token is far shorter) counts as no
  // credential, like a missing file.
  auto text =
      common::read_bounded_file(std::string(dir) + "/" + std::string(name), kMaxCredentialBytes);
  if (!text) return std::nullopt;
  std::string value = std::move(*text);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

Environment process_environment() {
  // getenv is not synchronised with setenv; the agent never calls setenv, so any thread may read.
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value != nullptr && *value != '\0') return std::string(value);
    if (auto credential = read_credential(name)) return credential;
    return value != nullptr ? std::optional<std::string>("") : std::nullopt;
  };
}

std::expected<Config, ConfigErrors> load_config_file(const std::string& path,
                                                     const Environment& env) {
  auto text = read_file(path);
  if (!text) {
    return std::unexpected(
        ConfigErrors{{.file = path,
                      .line = 0,
                      .column = 0,
                      .key = {},
                      .message = text.error() + "; " + std::string(kHowToPass)}});
  }
  return load_text(*text, path, env, true);
}

std::expected<Config, ConfigErrors> load_config_string(std::string_view toml_text,
                                                       const std::string& source_name,
                                                       const Environment& env) {
  return load_text(toml_text, source_name, env, false);
}

namespace {

std::expected<Config, ConfigErrors> load_text(std::string_view toml_text,
                                              const std::string& source_name,
                                              const Environment& env, bool check_paths) {
  Diagnostics diag(source_name);
  Config config;
  config.source = source_name;
  try {
    const toml::table root = toml::parse(toml_text, std::string_view{source_name});
    apply_file(root, config, diag);
    check_database(config, diag);
    check_agent(config, diag);
    check_pool(config, diag);
    check_alerts(config, diag);
    check_container(config, diag);
    check_locks(config, diag);
    if (check_paths) check_alert_state_file(config, diag);
  } catch (const toml::parse_error& e) {
    diag.error(position_of(e.source()), {},
               "TOML syntax error: " + escape_control_chars(e.description()) +
                   "; fix the file (it must be valid TOML, see config/example.toml)");
  }
  // Checked even after a syntax error, so one run shows every problem.
  apply_environment(env, config, diag);
  if (!diag.empty()) return std::unexpected(std::move(diag).take());
  return config;
}

}  // namespace

}  // namespace opsagent::config
