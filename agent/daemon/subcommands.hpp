// The CLI's subcommands (`opsagent run|validate|check|wait|status|test-alert`), each returning
// the process exit code; main.cpp parses the command line and calls one. Exit codes of check and
// wait follow the Nagios plugin convention. Thread-safety: each runs on the main thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace opsagent::daemon {

enum ExitCode : int { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

// Serve until SIGTERM/SIGINT (then drain and exit 0); SIGHUP reloads the config. With `app_argv`,
// supervise that app: start it, pass signals on after the drain, exit with its status.
int run_subcommand(const std::string& config_path, std::vector<std::string> app_argv = {});
// 0 when the file is valid, 3 with every problem listed on stderr.
int validate_subcommand(const std::string& config_path);
// One probe cycle: 0 ready, 1 ready with warnings, 2 not ready, 3 config error.
int check_subcommand(const std::string& config_path, bool json);
// Print a running agent's /status (text); 0 when it answered, 2 when it did not.
int status_subcommand(const std::string& config_path, const std::string& url);
// Probe until ready (0) or until the timeout (2); 3 on a config error.
int wait_subcommand(const std::string& config_path, config::Duration timeout);
// Sends one test notification to the receiver named `receiver` (one attempt, no retries) and
// says what happened: 0 delivered, 2 not delivered, 3 config error or no such receiver.
int test_alert_subcommand(const std::string& config_path, const std::string& receiver);

}  // namespace opsagent::daemon
