#include "tests/support/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "tests/support/wait.hpp"

// POSIX leaves declaring environ to the program; <unistd.h> declares it only under _GNU_SOURCE.
extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace opsagent::testing {
namespace {

// RAII for the two posix_spawn attribute objects so every error path destroys them.
struct SpawnAttributes {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnAttributes() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttributes() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

void check(int rc, const char* what) {
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  for (const auto& [key, value] : overrides) env[key] = value;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid ...". comm may contain spaces and parentheses,
// so parse from the last ')'.
bool read_proc_stat(pid_t pid, ProcStat& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  return static_cast<bool>(rest >> out.state >> out.ppid);
}

}  // namespace

pid_t spawn_process(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw std::invalid_argument("spawn_process: empty argv");
  SpawnAttributes sa;
  check(posix_spawn_file_actions_addopen(&sa.actions, 0, "/dev/null", O_RDONLY, 0), "addopen");
  if (spec.stdout_fd >= 0)
    check(posix_spawn_file_actions_adddup2(&sa.actions, spec.stdout_fd, 1), "dup2");
  if (spec.stderr_fd >= 0)
    check(posix_spawn_file_actions_adddup2(&sa.actions, spec.stderr_fd, 2), "dup2");
  check(posix_spawn_file_actions_addclosefrom_np(&sa.actions, 3), "closefrom");
  if (!spec.cwd.empty()) {
    check(posix_spawn_file_actions_addchdir_np(&sa.actions, spec.cwd.c_str()), "chdir");
  }

  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  check(posix_spawnattr_setsigmask(&sa.attr, &none), "setsigmask");
  check(posix_spawnattr_setsigdefault(&sa.attr, &all), "setsigdefault");
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (spec.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    check(posix_spawnattr_setpgroup(&sa.attr, 0), "setpgroup");
  }
  check(posix_spawnattr_setflags(&sa.attr, flags), "setflags");

  std::vector<std::string> argv_strings = spec.argv;
  std::vector<std::string> env_strings = merged_environment(spec.env);
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);

  pid_t pid = -1;
  const bool has_slash = spec.argv.front().find('/') != std::string::npos;
  const int rc = has_slash
                     ? posix_spawn(&pid, argv[0], &sa.actions, &sa.attr, argv.data(), envp.data())
                     : posix_spawnp(&pid, argv[0], &sa.actions, &sa.attr, argv.data(), envp.data());
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), "cannot start " + spec.argv.front());
  }
  return pid;
}

void stop_child(pid_t pid, bool group) noexcept {
  const pid_t target = group ? -pid : pid;
  ::kill(target, SIGTERM);
  int status = 0;
  const bool gone =
      eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, std::chrono::seconds(10));
  if (!gone) {
    ::kill(target, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  ProcStat st;
  if (!read_proc_stat(pid, st)) return false;
  return st.state != 'Z' && st.state != 'X';
}

std::vector<pid_t> process_descendants(pid_t root) {
  std::unordered_multimap<pid_t, pid_t> children;
  // readdir rather than std::filesystem: this runs in destructors and must not throw.
  if (DIR* proc = ::opendir("/proc")) {
    while (const dirent* entry = ::readdir(proc)) {
      const std::string_view name(entry->d_name);
      if (name.empty() || name.find_first_not_of("0123456789") != std::string_view::npos) continue;
      const auto pid = static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10));
      ProcStat st;
      if (read_proc_stat(pid, st) && st.state != 'Z' && st.state != 'X') {
        children.emplace(st.ppid, pid);
      }
    }
    ::closedir(proc);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    const auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return out;
}

}  // namespace opsagent::testing
