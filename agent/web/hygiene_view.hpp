// How /status (text and HTML) and /health show the declared clients' leaked and idle in
// transaction sessions (probes/model/connection_hygiene.hpp). Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/model/connection_hygiene.hpp"

namespace opsagent::web {

// One line each, problems marked "!! ": every client's idle in transaction sessions, then the
// leaked sessions (or that there are none) when leaks were looked for.
struct HygieneLine {
  bool problem = false;
  std::string text;
};
std::vector<HygieneLine> hygiene_lines(const probes::ConnectionHygiene& h);

// The "hygiene" object of /health.
nlohmann::json hygiene_json(const probes::ConnectionHygiene& h);

// The /status parts: a text block and an HTML card.
std::string hygiene_text(const probes::ConnectionHygiene& h);
std::string hygiene_html(const probes::ConnectionHygiene& h);

}  // namespace opsagent::web
