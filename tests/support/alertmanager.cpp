#include "tests/support/alertmanager.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <httplib.h>

#include "tests/support/free_port.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::testing {

Alertmanager::Alertmanager() {
  std::string pattern = "/tmp/opsagent-am-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  std::ofstream(dir_ + "/alertmanager.yml") << "route:\n"
                                               "  receiver: blackhole\n"
                                               "  group_wait: 0s\n"
                                               "receivers:\n"
                                               "  - name: blackhole\n";
  port_ = free_tcp_port();
  const int log_fd =
      ::open((dir_ + "/alertmanager.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  pid_ = spawn_process({.argv = {kBinary, "--config.file=" + dir_ + "/alertmanager.yml",
                                 "--storage.path=" + dir_ + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--cluster.listen-address=", "--log.level=debug"},
                        .env = {},
                        .cwd = dir_,
                        .stdout_fd = log_fd,
                        .stderr_fd = log_fd,
                        .new_process_group = false});
  ::close(log_fd);
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::seconds(1));
  const bool ready = eventually(
      [&] {
        auto r = client.Get("/-/ready");
        return r && r->status == 200;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50));
  if (!ready) {
    const std::string log_text = log();
    shutdown();
    throw std::runtime_error("alertmanager did not become ready:\n" + log_text);
  }
}

Alertmanager::~Alertmanager() {
  shutdown();
}

void Alertmanager::shutdown() {
  if (pid_ > 0) {
    stop_child(pid_, false);
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

nlohmann::json Alertmanager::alerts() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(2));
  auto r = client.Get("/api/v2/alerts");
  if (!r || r->status != 200) return nlohmann::json::array();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

std::string Alertmanager::log() const {
  std::ifstream in(dir_ + "/alertmanager.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace opsagent::testing
