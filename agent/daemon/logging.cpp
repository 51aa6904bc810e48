#include "agent/daemon/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "agent/web/json_body.hpp"
#include "common/text/time_format.hpp"

namespace opsagent::daemon {

namespace {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json line{{"ts", common::rfc3339(msg.time)},
                        {"level", std::string(level.data(), level.size())},
                        {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const std::string text = web::to_body(line);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_formatter() {
  return std::make_unique<JsonFormatter>();
}

void configure_logging(const config::LogSection& log) {
  auto logger = spdlog::get("opsagent");
  if (!logger) {
    logger = spdlog::stdout_logger_mt("opsagent");
    spdlog::set_default_logger(logger);
  }
  if (log.format == config::LogSection::Format::json) {
    logger->set_formatter(make_json_formatter());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  logger->set_level(spdlog::level::from_str(log.level));
  // Readiness transitions must reach the log even if the process is killed right after.
  logger->flush_on(spdlog::level::trace);
}

}  // namespace opsagent::daemon
