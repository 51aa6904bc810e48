// Running a program to completion with its output captured: the agent's one-shot CLI commands
// (`opsagent validate`, `opsagent check`, `--version`) and the Postgres tools the harness uses.
// Thread-safety: reentrant.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace opsagent::testing {

struct RunResult {
  int exit_code = -1;  // exit status, 128 + signal if killed by one, -1 if we timed it out
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// Runs argv (argv[0]: a path or a name looked up in PATH) with the parent's environment plus
// `env`, stdin from /dev/null, in `cwd` if not empty. At `timeout` the child's whole process
// group is SIGKILLed and exit_code is -1. Throws std::system_error if it cannot be started.
RunResult run_process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{30},
                      std::string cwd = {});

// run_process() on the agent binary under test (OPSAGENT_BINARY) with `args`.
RunResult run_agent_cli(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds{30});

}  // namespace opsagent::testing
