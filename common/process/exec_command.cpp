#include "common/process/exec_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "common/clock.hpp"
#include "common/saturating_time.hpp"

namespace opsagent::common {

namespace {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A pipe end numbered 3 or above, so the dup2()s onto 0, 1 and 2 in the child cannot clobber
// each other even when the agent runs with a standard descriptor closed.
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  const int r = above_stdio(fds[0]);
  const int w = above_stdio(fds[1]);
  read_end = Fd(r);
  write_end = Fd(w);
  return r >= 0 && w >= 0;
}

// Writing to a command that stopped reading raises SIGPIPE in the writing thread. The agent
// ignores SIGPIPE, but a test binary or an embedding program may not: block it in this thread
// for the duration and discard what the writes raised.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    if (!was_pending_) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

// Reads what is there without blocking, keeping the first kStderrHeadBytes. False at EOF or on
// an error (the descriptor is then done with).
bool drain(int fd, std::string& head) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      const std::size_t room = kStderrHeadBytes - std::min(kStderrHeadBytes, head.size());
      head.append(buf, std::min(room, static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Raw system calls: glibc 2.36's <sys/pidfd.h> lacks extern "C", and older ones lack the header.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

bool pidfd_kill(int pidfd, int sig) {
#ifdef SYS_pidfd_send_signal
  return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
#else
  (void)pidfd;
  (void)sig;
  return false;
#endif
}

void set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
          int stdin_fd, int stderr_fd, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  // Nothing of the agent's leaks into the command: not its listening socket, not its database
  // connection, not a state file being written.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;  // what the agent blocks or ignores; caught signals reset by themselves
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // Its own process group: at the timeout the command and whatever it started are killed.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  auto args = c_strings(argv);
  auto envp = c_strings(environment);
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

// Commands running now, and the wait status of those a reaper elsewhere took (see
// claim_reaped_command).
struct Running {
  std::mutex mutex;
  std::condition_variable reaped;
  std::map<pid_t, std::optional<int>> status;
};

Running& running() {
  static Running r;
  return r;
}

// Registers the command's pid for as long as it runs here.
class RunningEntry {
 public:
  RunningEntry() = default;
  RunningEntry(const RunningEntry&) = delete;
  RunningEntry& operator=(const RunningEntry&) = delete;
  ~RunningEntry() {
    if (pid_ <= 0) return;
    std::lock_guard lock(running().mutex);
    running().status.erase(pid_);
  }
  void set(pid_t pid) { pid_ = pid; }  // with running().mutex held

 private:
  pid_t pid_ = -1;
};

// How long to wait for a reaper elsewhere to hand over the status after waitpid said ECHILD:
// it has reaped already, so the hand-over is a matter of microseconds when it is wired up.
constexpr std::chrono::milliseconds kHandOverWait{250};

}  // namespace

bool claim_reaped_command(pid_t pid, int wait_status) {
  auto& r = running();
  std::lock_guard lock(r.mutex);
  auto it = r.status.find(pid);
  if (it == r.status.end()) return false;
  it->second = wait_status;
  r.reaped.notify_all();
  return true;
}

CommandOutcome run_command_with_input(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& environment,
                                      std::string_view input, std::chrono::milliseconds timeout) {
  CommandOutcome out;
  if (argv.empty() || argv[0].empty()) {
    out.kind = CommandOutcome::Kind::spawn_failed;
    out.spawn_errno = EINVAL;
    return out;
  }
  Fd in_read, in_write, err_read, err_write;
  if (!make_pipe(in_read, in_write) || !make_pipe(err_read, err_write)) {
    out.kind = CommandOutcome::Kind::spawn_failed;
    out.spawn_errno = errno;
    return out;
  }

  const auto deadline = common::saturating_add(SteadyClock::now(), timeout);
  pid_t pid = -1;
  RunningEntry entry;
  {
    // Registered before a reaper elsewhere can hand its status over: claim_reaped_command()
    // waits for this lock.
    std::lock_guard lock(running().mutex);
    if (const int rc = spawn(argv, environment, in_read.get(), err_write.get(), pid); rc != 0) {
      out.kind = CommandOutcome::Kind::spawn_failed;
      out.spawn_errno = rc;
      return out;
    }
    running().status.emplace(pid, std::nullopt);
    entry.set(pid);
  }
  in_read.reset();
  err_write.reset();
  set_nonblocking(in_write.get());
  set_nonblocking(err_read.get());
  // A pidfd makes the exit pollable; without one (old kernel, seccomp) poll every 10ms.
  Fd pidfd(open_pidfd(pid));

  SigpipeBlock no_sigpipe;
  std::size_t written = 0;
  if (input.empty()) in_write.reset();
  int status = 0;
  bool exited = false;
  bool reaped_elsewhere = false;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      exited = true;
      break;
    }
    if (w < 0 && errno != EINTR) {
      // ECHILD: a reaper elsewhere in the process (the supervisor's waitpid(-1)) got it first.
      reaped_elsewhere = true;
      break;
    }
    const auto now = SteadyClock::now();
    if (now >= deadline) break;

    pollfd fds[3];
    nfds_t n = 0;
    int in_index = -1;
    int err_index = -1;
    if (in_write) {
      fds[n] = {in_write.get(), POLLOUT, 0};
      in_index = static_cast<int>(n++);
    }
    if (err_read) {
      fds[n] = {err_read.get(), POLLIN, 0};
      err_index = static_cast<int>(n++);
    }
    if (pidfd) fds[n++] = {pidfd.get(), POLLIN, 0};
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (!pidfd) wait = std::min(wait, std::chrono::milliseconds(10));
    const int ready = poll(fds, n, static_cast<int>(wait.count()));
    if (ready <= 0) continue;  // timeout or EINTR: check the child and the deadline again

    if (in_index >= 0 && fds[in_index].revents != 0) {
      if ((fds[in_index].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
        in_write.reset();  // it closed its stdin or exited: the rest of the body is not wanted
      } else {
        const ssize_t k = ::write(in_write.get(), input.data() + written, input.size() - written);
        if (k > 0) {
          written += static_cast<std::size_t>(k);
          if (written == input.size()) in_write.reset();  // EOF tells it the body is complete
        } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          in_write.reset();  // EPIPE
        }
      }
    }
    if (err_index >= 0 && fds[err_index].revents != 0 && !drain(err_read.get(), out.stderr_head)) {
      err_read.reset();
    }
  }

  if (exited || reaped_elsewhere) {
    if (reaped_elsewhere) {
      auto& r = running();
      std::unique_lock lock(r.mutex);
      exited = r.reaped.wait_for(lock, kHandOverWait, [&] { return r.status[pid].has_value(); });
      if (exited) status = *r.status[pid];
    }
    if (err_read) drain(err_read.get(), out.stderr_head);  // what it wrote just before exiting
    if (!exited) {
      out.kind = CommandOutcome::Kind::status_unknown;
      return out;
    }
    if (WIFSIGNALED(status)) {
      out.kind = CommandOutcome::Kind::signaled;
      out.exit_code = 128 + WTERMSIG(status);
    } else {
      out.kind = CommandOutcome::Kind::exited;
      out.exit_code = WEXITSTATUS(status);
    }
    return out;
  }

  // The deadline passed. It is not reaped yet, so its pid (and process group id) cannot have
  // been reused: kill the group, then the command itself in case it left the group.
  kill(-pid, SIGKILL);
  if (!pidfd || !pidfd_kill(pidfd.get(), SIGKILL)) kill(pid, SIGKILL);
  for (;;) {
    const pid_t w = waitpid(pid, &status, 0);
    if (w == pid || (w < 0 && errno != EINTR)) break;  // reaped (here or elsewhere)
  }
  if (err_read) drain(err_read.get(), out.stderr_head);
  out.kind = CommandOutcome::Kind::timed_out;
  return out;
}

}  // namespace opsagent::common
