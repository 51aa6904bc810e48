#include "config/syntax/env_name.hpp"

#include <algorithm>

#include "config/syntax/ascii.hpp"

namespace opsagent::config {

bool is_env_name(std::string_view text) {
  return !text.empty() && !is_digit(text.front()) && std::ranges::all_of(text, is_word);
}

}  // namespace opsagent::config
