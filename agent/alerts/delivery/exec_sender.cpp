#include "agent/alerts/delivery/exec_sender.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/alerts/payloads/exec_environment.hpp"
#include "agent/alerts/payloads/webhook.hpp"
#include "common/process/exec_command.hpp"
#include "common/text/log_text.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::alerts {

namespace {

constexpr std::chrono::milliseconds kMinTimeout{100};

std::string describe_command(const config::AlertReceiver& receiver) {
  // argv[0] only: arguments may carry tokens.
  return common::log_safe(receiver.command.empty() ? std::string() : receiver.command.front());
}

}  // namespace

AttemptResult exec_attempt(const config::AlertReceiver& receiver, const DeliveryJob& job,
                           const config::Environment& env, const AgentIdentity& who) {
  if (receiver.command.empty()) return config_failure("the exec receiver has no command");
  std::vector<std::string> environment = exec_environment(job.notification, who);
  // Nothing else of the agent's environment: it holds DATABASE_URL and the receivers' secrets.
  for (const char* name : {"PATH", "HOME", "LANG"}) {
    if (!env) break;
    if (auto value = env(name); value && !value->empty()) {
      environment.push_back(std::string(name) + "=" + *value);
    }
  }
  const std::string input = webhook_body(job.notification, receiver.name, who);
  const std::chrono::milliseconds timeout = std::max(receiver.timeout, kMinTimeout);
  const common::CommandOutcome outcome =
      common::run_command_with_input(receiver.command, environment, input, timeout);
  const std::string command = describe_command(receiver);
  const std::string stderr_text = common::log_safe(outcome.stderr_head);
  const std::string stderr_note = stderr_text.empty() ? "" : "; stderr: " + stderr_text;

  AttemptResult result;
  switch (outcome.kind) {
    case common::CommandOutcome::Kind::exited:
      result.status = outcome.exit_code;
      if (outcome.exit_code == 0) return result;  // delivered
      result.kind = AttemptResult::Kind::exec_failed;
      result.error = fmt::format("command {} exited with status {}{}", command, outcome.exit_code,
                                 stderr_note);
      return result;
    case common::CommandOutcome::Kind::signaled:
      result.kind = AttemptResult::Kind::exec_failed;
      result.status = outcome.exit_code;
      result.error = fmt::format("command {} was killed by signal {}{}", command,
                                 outcome.exit_code - 128, stderr_note);
      return result;
    case common::CommandOutcome::Kind::timed_out:
      result.kind = AttemptResult::Kind::timeout;
      result.error = fmt::format("command {} did not finish within {}: killed{}", command,
                                 config::format_duration(timeout), stderr_note);
      return result;
    case common::CommandOutcome::Kind::status_unknown:
      // Supervise mode reaps every child with waitpid(-1) on SIGCHLD and may get there first.
      spdlog::warn(
          "alerts: receiver {}: command {} ended but another part of the agent reaped it "
          "first without handing over its exit status (claim_reaped_command), so the outcome is "
          "unknown; the notification will be sent again",
          receiver.name, command);
      result.kind = AttemptResult::Kind::exec_failed;
      result.status = -1;
      result.error = fmt::format(
          "command {} ended with an unknown exit status (reaped "
          "elsewhere){}",
          command, stderr_note);
      return result;
    case common::CommandOutcome::Kind::spawn_failed:
      break;
  }
  const int e = outcome.spawn_errno;
  const std::string why = fmt::format("could not run command {}: {}", command, std::strerror(e));
  // A command that does not exist or may not be run stays so until the config changes.
  if (e == ENOENT || e == EACCES || e == ENOEXEC || e == ENOTDIR || e == ELOOP ||
      e == ENAMETOOLONG || e == EINVAL || e == EPERM) {
    return config_failure(why);
  }
  result.kind = AttemptResult::Kind::exec_failed;
  result.status = 127;
  result.error = why;
  return result;
}

}  // namespace opsagent::alerts
