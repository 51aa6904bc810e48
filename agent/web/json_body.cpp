#include "agent/web/json_body.hpp"

namespace opsagent::web {

std::string to_body(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace opsagent::web
