// libFuzzer target: the bytes are the text of a config file, loaded the way `opsagent validate`
// loads one (load_config_file reads the file, then calls load_config_string). Properties: it
// never crashes or throws; every error says where it is from and carries a one-line message; a
// config that loads satisfies the cross-key rules the loader promises to enforce.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/load.hpp"

namespace {

using opsagent::config::Config;
using opsagent::config::ConfigError;
using opsagent::config::Threshold;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Messages are printed one per line by `opsagent validate` and logged on reload: whatever the
// file contains, they must not break a line or carry control characters.
bool one_line(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

constexpr std::string_view kSource = "fuzz.toml";

void check_error(const ConfigError& e) {
  check(!e.message.empty());
  check(one_line(e.message));
  check(one_line(e.key));
  // Problems in the file name the file; problems outside it (the environment) name none.
  check(e.file == kSource || e.file.empty());
  check(e.line >= 0 && e.column >= 0);
  check(e.line > 0 || e.column == 0);
  check(!e.to_string().empty());
}

void check_config(const Config& c) {
  check(c.database.lock_timeout <= c.database.statement_timeout);
  check(c.agent.stale_after >= c.agent.interval + c.cycle_deadline());
  const Threshold& warn = c.pool.warn;
  const Threshold& critical = c.pool.critical;
  if (warn.kind == critical.kind) {
    check(warn.kind == Threshold::Kind::slots_left ? critical.value < warn.value
                                                   : critical.value > warn.value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // No environment: the loader must not depend on the fuzzing machine's variables or files.
  const opsagent::config::Environment no_env = [](std::string_view) {
    return std::optional<std::string>{};
  };
  const auto loaded = opsagent::config::load_config_string(text, std::string(kSource), no_env);
  if (loaded) {
    check_config(*loaded);
  } else {
    check(!loaded.error().empty());
    for (const ConfigError& e : loaded.error()) check_error(e);
  }
  return 0;
}
