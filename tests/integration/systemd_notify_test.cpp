// sd_notify as systemd would see it: the test plays systemd's part, with a datagram socket
// named by NOTIFY_SOCKET, and reads what the agent reports through a Type=notify lifecycle.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"

namespace opsagent::testing {
namespace {

// Collects every datagram sent to its socket, on a thread of its own.
class NotifySocket {
 public:
  NotifySocket() {
    char dir[] = "/tmp/opsagent-notify-XXXXXX";
    if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = dir;
    path_ = dir_ + "/notify.sock";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("cannot bind " + path_);
    }
    // A receive timeout bounds each read, so the thread notices stop_ within 100ms.
    timeval tv{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    thread_ = std::thread([this] { run(); });
  }
  ~NotifySocket() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  const std::string& path() const { return path_; }
  int count(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& m : messages_) n += m.starts_with(prefix) ? 1 : 0;
    return n;
  }
  // The index of the first message starting with `prefix`, or -1.
  int first(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < messages_.size(); ++i) {
      if (messages_[i].starts_with(prefix)) return static_cast<int>(i);
    }
    return -1;
  }
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& m : messages_) out += m + " | ";
    return out;
  }

 private:
  void run() {
    char buf[4096];
    while (!stop_) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) continue;
      std::lock_guard lock(mutex_);
      // One datagram may carry several newline-separated assignments.
      std::string text(buf, static_cast<std::size_t>(n));
      for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) messages_.push_back(text.substr(start, end - start));
        start = end + 1;
      }
    }
  }

  std::string dir_, path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  std::thread thread_;
};

class SystemdNotifyTest : public AgentTest {};

TEST_F(SystemdNotifyTest, ReportsLifecycleAndPingsTheWatchdog) {
  PgCluster cluster;
  cluster.exec("CREATE TABLE permits (id int)");
  NotifySocket notify;
  start_agent(agent_config("expected_tables = [\"permits\", \"missing\"]\n"), cluster.app_dsn(),
              {{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "2000000"}});
  ASSERT_TRUE(eventually([&] { return notify.count("READY=1") >= 1; }, 10s)) << notify.all();
  ASSERT_TRUE(eventually(
      [&] { return notify.first("STATUS=not ready: schema:tables: missing tables: missing") >= 0; },
      10s))
      << notify.all();
  // At least once a second while the probe loop is alive.
  ASSERT_TRUE(eventually([&] { return notify.count("WATCHDOG=1") >= 3; }, 10s)) << notify.all();

  agent_->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return notify.count("RELOADING=1") == 1; }, 5s)) << notify.all();
  ASSERT_TRUE(eventually([&] { return notify.count("READY=1") >= 2; }, 5s)) << notify.all();

  agent_->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return notify.count("STOPPING=1") == 1; }, 5s)) << notify.all();
  EXPECT_TRUE(eventually([&] { return notify.first("STATUS=not ready: draining") >= 0; }, 5s))
      << notify.all();
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST_F(SystemdNotifyTest, NoWatchdogPingsWhenNotAsked) {
  PgCluster cluster;
  NotifySocket notify;
  start_agent(agent_config("expected_tables = []\n"), cluster.app_dsn(),
              {{"NOTIFY_SOCKET", notify.path()}});
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(wait_for_cycles(3, 5s));
  EXPECT_GE(notify.count("READY=1"), 1);
  EXPECT_EQ(notify.count("WATCHDOG=1"), 0) << notify.all();
}

}  // namespace
}  // namespace opsagent::testing
