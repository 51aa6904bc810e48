#include "tests/support/pgbouncer.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/free_port.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::testing {

namespace {

void give_to_postgres(const std::string& path) {
  if (::geteuid() != 0) return;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) throw std::runtime_error("no postgres OS user to run pgbouncer as");
  if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error("chown " + path + " failed");
  }
}

}  // namespace

PgBouncer::PgBouncer(const PgCluster& cluster, const Options& options) {
  std::string pattern = "/tmp/opsagent-pgbouncer-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = free_tcp_port();
  std::ofstream(dir_ + "/users.txt")
      << "\"app\" \"" << PgCluster::kAppPassword << "\"\n\"stats\" \"" << kStatsPassword << "\"\n";
  std::ofstream(dir_ + "/pgbouncer.ini")
      << "[databases]\napp = host=127.0.0.1 port=" << cluster.port() << " dbname=app\n"
      << "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " << port_
      << "\nunix_socket_dir =\nauth_type = scram-sha-256\nauth_file = " << dir_
      << "/users.txt\nstats_users = stats\npool_mode = " << options.pool_mode
      << "\ndefault_pool_size = " << options.default_pool_size
      << "\nmax_client_conn = " << options.max_client_conn
      << "\nserver_login_retry = 1\nlogfile = " << dir_ << "/pgbouncer.log\n";
  for (const char* f : {"", "/users.txt", "/pgbouncer.ini"}) give_to_postgres(dir_ + f);
  std::vector<std::string> argv{kBinary, dir_ + "/pgbouncer.ini"};
  if (::geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  const int out_fd =
      ::open((dir_ + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  pid_ = spawn_process({.argv = argv,
                        .env = {},
                        .cwd = dir_,
                        .stdout_fd = out_fd,
                        .stderr_fd = out_fd,
                        .new_process_group = true});
  ::close(out_fd);
  const bool ready = eventually(
      [&] {
        PGconn* c = PQconnectdb((admin_dsn() + "?connect_timeout=2").c_str());
        const bool ok = PQstatus(c) == CONNECTION_OK;
        PQfinish(c);
        return ok;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(50));
  if (!ready) {
    const std::string text = log();
    shutdown();
    throw std::runtime_error("pgbouncer did not start:\n" + text);
  }
}

PgBouncer::~PgBouncer() {
  shutdown();
}

void PgBouncer::shutdown() noexcept {
  if (pid_ > 0) {
    stop_child(pid_, true);
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

std::string PgBouncer::app_dsn() const {
  return "postgresql://app:" + percent_encode(PgCluster::kAppPassword) +
         "@127.0.0.1:" + std::to_string(port_) + "/app";
}

std::string PgBouncer::admin_dsn() const {
  return "postgresql://stats:" + percent_encode(kStatsPassword) +
         "@127.0.0.1:" + std::to_string(port_) + "/pgbouncer";
}

std::string PgBouncer::log() const {
  std::ostringstream out;
  for (const char* f : {"/stdout.log", "/pgbouncer.log"}) {
    std::ifstream in(dir_ + f);
    out << in.rdbuf();
  }
  return out.str();
}

}  // namespace opsagent::testing
