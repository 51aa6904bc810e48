// The real agent binary running as a child process, as an operator would run it: a config
// file, environment variables (PORT, DATABASE_URL) and signals. Tests talk to it over HTTP and
// read its log. Thread-safety: use one AgentProcess from one thread; get() and log() may be
// called concurrently with each other.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace opsagent::testing {

class AgentProcess {
 public:
  struct Options {
    // Every member has an initializer: g++ 12 -Wextra warns about designated initializers that
    // leave out a member without one.
    std::string config_toml = {};                 // written to <tmp>/config.toml
    std::map<std::string, std::string> env = {};  // over the parent's env and PORT
    std::vector<std::string> args = {"run"};      // before "--config <file>"
    std::string binary = OPSAGENT_BINARY;         // tests of the harness substitute a script
    std::vector<std::string> app = {};  // supervise mode: appended after "--config <file> --"
  };

  struct HttpReply {
    int status = 0;  // 0: no HTTP reply at all, see `error`
    std::string body;
    httplib::Headers headers;
    std::chrono::microseconds elapsed{0};
    std::string error;  // transport failure (refused, timed out, ...); empty otherwise

    // The header's value, "" when absent: a missing header fails an assertion, never crashes.
    std::string header(const std::string& name) const {
      const auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  // Starts `binary <args...> --config <file>` with PORT set to a free port, stdout and stderr
  // appended to one log file. Throws if the binary cannot be started.
  explicit AgentProcess(Options options);
  // SIGKILLs the agent if still running, reaps it, removes the temp dir. Never throws.
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string config_path() const { return dir_ + "/config.toml"; }
  std::string log_path() const { return dir_ + "/agent.log"; }
  std::string log() const;  // stdout + stderr so far

  // One request to 127.0.0.1:port() with 2 s connect and read timeouts; no retries. The first
  // call makes the test process ignore SIGPIPE (httplib 0.11 does not suppress it).
  HttpReply get(const std::string& path, const httplib::Headers& headers = {},
                const std::string& method = "GET") const;
  // The same request to any server: host:port (an IPv6 address without brackets, e.g. "::1").
  static HttpReply request(const std::string& host, int port, const std::string& path,
                           const httplib::Headers& headers = {}, const std::string& method = "GET");

  // Polls `path` every 25 ms until it answers `status`. False at the timeout, or as soon as the
  // agent has exited. One slow request can overrun the timeout by up to the 2 s read timeout.
  bool wait_for_status(const std::string& path, int status, std::chrono::milliseconds timeout);
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const;

  // kill(pid, sig); no-op once the agent has been reaped (its pid may belong to another
  // process by then).
  void signal(int sig);
  // Exit code, or 128 + signal number; std::nullopt if still running at the timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

 private:
  void reap_if_exited();

  Options options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace opsagent::testing
