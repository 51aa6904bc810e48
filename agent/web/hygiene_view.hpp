// How /status (text and HTML) and /health show the declared clients' leaked and idle in
// transaction sessions (probes/model/connection_hygiene.hpp), and what
// pool.terminate_idle_in_transaction terminated (probes/model/termination.hpp).
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/model/connection_hygiene.hpp"
#include "probes/model/termination.hpp"

namespace opsagent::web {

// One line each, problems marked "!! ": every client's idle in transaction sessions, then the
// leaked sessions (or that there are none) when leaks were looked for.
struct HygieneLine {
  bool problem = false;
  std::string text;
};
// `terminations` (may be null) adds the termination mode's line, and one line per session
// terminated (or in dry_run, that would have been) within the quiet period before `now`.
std::vector<HygieneLine> hygiene_lines(const probes::ConnectionHygiene& h,
                                       const probes::TerminationRecord* terminations = nullptr,
                                       std::chrono::system_clock::time_point now = {});

// The "terminations" object of /health: mode, recent sessions (newest first), totals.
nlohmann::json terminations_json(const probes::TerminationRecord& t);

// The "hygiene" object of /health.
nlohmann::json hygiene_json(const probes::ConnectionHygiene& h);

// The /status parts: a text block and an HTML card.
std::string hygiene_text(const probes::ConnectionHygiene& h,
                         const probes::TerminationRecord* terminations = nullptr,
                         std::chrono::system_clock::time_point now = {});
std::string hygiene_html(const probes::ConnectionHygiene& h,
                         const probes::TerminationRecord* terminations = nullptr,
                         std::chrono::system_clock::time_point now = {});

}  // namespace opsagent::web
