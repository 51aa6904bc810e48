// opsagent: readiness and on-call views for a Postgres-backed app. See README.md.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/daemon/subcommands.hpp"
#include "common/version.hpp"
#include "config/syntax/duration.hpp"

// An exception that reaches main is a bug: let std::terminate abort (a core dump, a non-zero
// exit, a restart by the supervisor) rather than print what() and risk a secret in the message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace opsagent;
  CLI::App app{"opsagent: readiness, connection tracking and alerts for a Postgres-backed app"};
  app.set_version_flag("--version", std::string("opsagent ") + kVersion);
  app.require_subcommand(0, 1);

  std::string config_path = "opsagent.toml";
  app.add_option("-c,--config", config_path, "config file (TOML)")
      ->envname("OPSAGENT_CONFIG")
      ->capture_default_str();

  auto* run = app.add_subcommand("run", "serve the health endpoints and probe (the default)");
  std::vector<std::string> app_argv;
  run->add_option("command", app_argv,
                  "after --: the app to supervise, e.g. -- gunicorn web.app:app")
      ->expected(-1);
  auto* validate = app.add_subcommand("validate", "check a config file and list every problem");
  auto* check = app.add_subcommand("check", "run one probe cycle and print a one-line summary");
  bool json = false;
  check->add_flag("--json", json, "print the /health JSON instead");
  auto* wait = app.add_subcommand("wait", "probe until ready; for deploy scripts");
  std::string timeout_text = "300s";
  wait->add_option("--timeout", timeout_text, "give up after this long")->capture_default_str();
  auto* status = app.add_subcommand("status", "print a running agent's /status");
  std::string url;
  status->add_option("--url", url, "the agent's base URL (default: from the config's listen)");
  auto* test_alert =
      app.add_subcommand("test-alert", "send a test notification to one [[alerts.receivers]]");
  std::string receiver;
  test_alert->add_option("--receiver", receiver, "the receiver's name")->required();
  for (auto* sub : {run, validate, check, wait, status, test_alert}) sub->fallthrough();

  CLI11_PARSE(app, argc, argv);

  if (*validate) return daemon::validate_subcommand(config_path);
  if (*check) return daemon::check_subcommand(config_path, json);
  if (*status) return daemon::status_subcommand(config_path, url);
  if (*test_alert) return daemon::test_alert_subcommand(config_path, receiver);
  if (*wait) {
    auto timeout = config::parse_duration(timeout_text);
    if (!timeout) {
      std::cerr << "opsagent wait: --timeout: " << timeout.error() << "\n";
      return daemon::kUnknown;
    }
    return daemon::wait_subcommand(config_path, *timeout);
  }
  return daemon::run_subcommand(config_path, std::move(app_argv));
}
