#include "tests/support/agent_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "tests/support/free_port.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::testing {
namespace {

using namespace std::chrono_literals;

std::string make_temp_dir() {
  std::string templ = "/tmp/opsagent-agent-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  return templ;
}

}  // namespace

AgentProcess::AgentProcess(Options options) : options_(std::move(options)), dir_(make_temp_dir()) {
  try {
    {
      std::ofstream config(config_path(), std::ios::trunc);
      config << options_.config_toml;
      if (!config.flush()) throw std::runtime_error("cannot write " + config_path());
    }
    port_ = free_tcp_port();

    // O_APPEND: both streams share the file and neither overwrites the other's lines.
    const int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::system_error(errno, std::generic_category(), "open agent log");
    SpawnSpec spec;
    spec.argv.push_back(options_.binary);
    spec.argv.insert(spec.argv.end(), options_.args.begin(), options_.args.end());
    spec.argv.insert(spec.argv.end(), {"--config", config_path()});
    if (!options_.app.empty()) {
      spec.argv.emplace_back("--");
      spec.argv.insert(spec.argv.end(), options_.app.begin(), options_.app.end());
    }
    spec.env["PORT"] = std::to_string(port_);
    for (const auto& [key, value] : options_.env) spec.env[key] = value;
    spec.stdout_fd = log_fd;
    spec.stderr_fd = log_fd;
    try {
      pid_ = spawn_process(spec);
    } catch (...) {
      ::close(log_fd);
      throw;
    }
    ::close(log_fd);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

AgentProcess::~AgentProcess() {
  try {
    if (!wait_exit(0ms)) {
      ::kill(pid_, SIGKILL);
      wait_exit(10s);
    }
  } catch (...) {
    // A destructor must not throw; the dir removal below still runs.
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string AgentProcess::log() const {
  std::ifstream in(log_path(), std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

AgentProcess::HttpReply AgentProcess::get(const std::string& path, const httplib::Headers& headers,
                                          const std::string& method) const {
  return request("127.0.0.1", port_, path, headers, method);
}

AgentProcess::HttpReply AgentProcess::request(const std::string& host, int port,
                                              const std::string& path,
                                              const httplib::Headers& headers,
                                              const std::string& method) {
  // httplib 0.11 sends without MSG_NOSIGNAL: writing a request to an agent that just closed the
  // connection (killed, draining) would raise SIGPIPE and kill the whole test binary. Children
  // get the default disposition back (spawn_process resets all signals).
  static const bool sigpipe_ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;

  httplib::Client client(host, port);
  client.set_connection_timeout(2s);
  client.set_read_timeout(2s);
  client.set_write_timeout(2s);

  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = headers;

  HttpReply reply;
  const auto started = std::chrono::steady_clock::now();
  const httplib::Result result = client.send(request);
  reply.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  return reply;
}

bool AgentProcess::wait_for_status(const std::string& path, int status,
                                   std::chrono::milliseconds timeout) {
  bool matched = false;
  eventually(
      [&] {
        if (!running()) return true;  // give up early: a dead agent will not come around
        matched = get(path).status == status;
        return matched;
      },
      timeout, 25ms);
  return matched;
}

bool AgentProcess::wait_for_log(const std::string& needle,
                                std::chrono::milliseconds timeout) const {
  return eventually([&] { return log().find(needle) != std::string::npos; }, timeout, 25ms);
}

void AgentProcess::signal(int sig) {
  reap_if_exited();
  if (!exit_code_) ::kill(pid_, sig);
}

std::optional<int> AgentProcess::wait_exit(std::chrono::milliseconds timeout) {
  eventually(
      [&] {
        reap_if_exited();
        return exit_code_.has_value();
      },
      timeout, 10ms);
  return exit_code_;
}

bool AgentProcess::running() {
  reap_if_exited();
  return !exit_code_;
}

void AgentProcess::reap_if_exited() {
  if (exit_code_ || pid_ <= 0) return;
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_code_ = decode_wait_status(status);
  } else if (r < 0) {
    exit_code_ = -1;  // ECHILD: someone else reaped it; treat as gone
  }
}

}  // namespace opsagent::testing
