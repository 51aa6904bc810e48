// Low-level process plumbing shared by the harness classes: spawning children safely from a
// multi-threaded test process, and inspecting process trees we did not start (the postmaster
// and its backends, which pg_ctl detaches from us). Thread-safety: all functions are reentrant.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace opsagent::testing {

struct SpawnSpec {
  // argv[0] is an absolute path, or a name looked up in PATH.
  std::vector<std::string> argv;
  // Applied on top of the parent's environment (an entry here wins over the parent's).
  std::map<std::string, std::string> env;
  std::string cwd;  // empty: the parent's
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Lets a timeout kill the whole tree (e.g. runuser and the initdb it started).
  bool new_process_group = false;
};

// posix_spawn rather than fork: no user code runs between fork and exec, which matters once
// the test process has threads (httplib, listeners). stdin is /dev/null, every fd above 2 is
// closed in the child (httplib sockets are not close-on-exec), signal mask and dispositions
// are reset. Throws std::system_error when the program cannot be started.
pid_t spawn_process(const SpawnSpec& spec);

// Stops a child spawned by spawn_process: SIGTERM (to its process group when `group`), up to
// 10 s for it to exit, then SIGKILL; reaps it either way. Never throws.
void stop_child(pid_t pid, bool group) noexcept;

// waitpid() status -> exit code, or 128 + signal number like a shell reports it.
int decode_wait_status(int status);

// True while `pid` exists and is not a zombie. Zombies count as dead: nothing may reap
// processes that pg_ctl orphaned, and they no longer hold sockets or shared memory.
bool process_alive(pid_t pid);

// Every live descendant of `root` (children, grandchildren, ...), from /proc/*/stat.
std::vector<pid_t> process_descendants(pid_t root);

}  // namespace opsagent::testing
