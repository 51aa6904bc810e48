#include "tests/support/run_binary.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <system_error>
#include <utility>

#include "tests/support/process.hpp"

namespace opsagent::testing {
namespace {

using Clock = std::chrono::steady_clock;

// After the child exits, a grandchild it left behind (pg_ctl's postmaster, say) may still hold
// the pipes; wait this long for EOF and then stop reading instead of hitting the timeout.
constexpr auto kDrainAfterExit = std::chrono::milliseconds{500};

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_.data(), O_CLOEXEC) != 0) {
      throw std::system_error(errno, std::generic_category(), "pipe2");
    }
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  std::array<int, 2> fds_{-1, -1};
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, 50));
}

}  // namespace

RunResult run_process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                      std::chrono::milliseconds timeout, std::string cwd) {
  Pipe out_pipe;
  Pipe err_pipe;
  SpawnSpec spec{std::move(argv),      std::move(env),       std::move(cwd),
                 out_pipe.write_end(), err_pipe.write_end(), /*new_process_group=*/true};
  const pid_t pid = spawn_process(spec);
  out_pipe.close_write();
  err_pipe.close_write();

  RunResult result;
  std::array<Pipe*, 2> pipes{&out_pipe, &err_pipe};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  const auto deadline = Clock::now() + timeout;
  auto drain_deadline = Clock::time_point::max();
  std::optional<int> status;

  for (;;) {
    if (!status) {
      int raw = 0;
      const pid_t r = ::waitpid(pid, &raw, WNOHANG);
      if (r == pid) {
        status = raw;
        drain_deadline = Clock::now() + kDrainAfterExit;
      }
    }
    const bool pipes_open = out_pipe.read_end() >= 0 || err_pipe.read_end() >= 0;
    if (status && (!pipes_open || Clock::now() >= drain_deadline)) break;
    if (!status && Clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      int raw = 0;
      while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
      }
      result.exit_code = -1;
      return result;
    }

    std::array<pollfd, 2> fds{};
    for (std::size_t i = 0; i < pipes.size(); ++i) fds[i] = {pipes[i]->read_end(), POLLIN, 0};
    // Short slices: we must also notice the exit of a child whose pipes a grandchild holds.
    const int rc = ::poll(fds.data(), fds.size(), pipes_open ? remaining_ms(deadline) : 10);
    if (rc < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
    for (std::size_t i = 0; rc > 0 && i < pipes.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[8192];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        pipes[i]->close_read();
      }
    }
  }
  result.exit_code = decode_wait_status(*status);
  return result;
}

RunResult run_agent_cli(std::vector<std::string> args, std::map<std::string, std::string> env,
                        std::chrono::milliseconds timeout) {
  args.insert(args.begin(), OPSAGENT_BINARY);
  return run_process(std::move(args), std::move(env), timeout);
}

}  // namespace opsagent::testing
