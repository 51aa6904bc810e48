// Runs one command for an exec receiver: argv without a shell, exactly the given environment,
// `input` on stdin, stdout to /dev/null, the first KiB of stderr kept for the log, and a hard
// timeout after which the command and its process group are killed (SIGKILL) and reaped.
// Thread-safety: reentrant; any thread may run commands concurrently.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::common {

struct CommandOutcome {
  enum class Kind {
    exited,          // exit_code holds the exit status
    signaled,        // exit_code holds 128 + the signal number
    timed_out,       // killed at the timeout (and reaped)
    spawn_failed,    // could not start: spawn_errno says why (ENOENT, EACCES, ...)
    status_unknown,  // reaped by a waiter elsewhere that did not hand the status over
  };
  Kind kind = Kind::exited;
  int exit_code = 0;
  int spawn_errno = 0;
  std::string stderr_head;  // at most kStderrHeadBytes of what it wrote to stderr
};

inline constexpr std::size_t kStderrHeadBytes = 1024;

// argv[0] is looked up in the agent's PATH (posix_spawnp); `environment` holds "NAME=value"
// entries and is the command's whole environment. The command runs in its own process group,
// with an empty signal mask and default dispositions, and inherits no descriptor but 0, 1, 2.
// Blocks for at most `timeout`, plus the time the kernel takes to reap a killed process (and up
// to 250ms more when a reaper elsewhere took the exit: see claim_reaped_command).
// Only waits for its own child (waitpid on that pid), so it coexists with a reaper elsewhere.
CommandOutcome run_command_with_input(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& environment,
                                      std::string_view input, std::chrono::milliseconds timeout);

// For a reaper elsewhere in the process (supervise mode reaps every child with waitpid(-1) on
// SIGCHLD, and may take a command's exit before run_command_with_input does): hand over the wait
// status of a pid it reaped. True when the pid was a command run_command_with_input is running;
// that call then reports the real exit status instead of status_unknown. Not for signal handlers
// (takes a mutex); cheap enough to call for every reaped pid.
bool claim_reaped_command(pid_t pid, int wait_status);

}  // namespace opsagent::common
