// A throwaway Postgres 15 cluster per test: its own temp dir, its own TCP port on 127.0.0.1 and
// unix socket, never the system cluster. Tests break it on purpose (stop, kill -9, freeze) to
// watch how the agent reacts. Thread-safety: one PgCluster is used from one thread at a time;
// HeldConnection objects are independent of it and of each other.
#pragma once

#include <libpq-fe.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::testing {

// One open libpq connection, closed on destruction. Tests hold these to occupy backend slots
// (exhausting max_connections) or to keep a session alive across a freeze.
class HeldConnection {
 public:
  // `conninfo_or_url` is key=value conninfo or a postgresql:// URL; a connect_timeout in it
  // wins over `connect_timeout`. Throws std::runtime_error with libpq's message on failure.
  static std::unique_ptr<HeldConnection> open(
      const std::string& conninfo_or_url,
      std::chrono::seconds connect_timeout = std::chrono::seconds{5});
  ~HeldConnection();
  HeldConnection(const HeldConnection&) = delete;
  HeldConnection& operator=(const HeldConnection&) = delete;

  // Runs one or more statements; throws std::runtime_error with the server's message, or when
  // no answer arrived within `timeout` (the connection is unusable afterwards).
  void exec(const std::string& sql, std::chrono::milliseconds timeout = std::chrono::seconds{30});
  // The first cell of the last statement's result ("" for NULL); throws if there is none.
  std::string query_value(const std::string& sql,
                          std::chrono::milliseconds timeout = std::chrono::seconds{30});

  int backend_pid() const;
  PGconn* native() const { return conn_; }

 private:
  explicit HeldConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

class PgCluster {
 public:
  // The password of role `app`: distinctive so tests can grep logs and replies for leaks.
  static constexpr std::string_view kAppPassword = "Pw-9f3c-SECRET-e41b";

  struct Options {
    int max_connections = 20;
    int superuser_reserved_connections = 3;
    bool start = true;  // false: initdb only; call start() later
    // postgresql.conf lines, after (so over) ours. "= {}": see AgentProcess::Options.
    std::vector<std::string> extra_conf = {};
  };

  // initdb in a fresh /tmp dir and, if options.start, start() (which creates role and database
  // `app`). Throws std::runtime_error with the tool output or server log on failure.
  PgCluster();
  explicit PgCluster(Options options);
  // Thaws, stops (immediate mode) and removes the dir. Never throws.
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // pg_ctl start, waiting at most 30 s for readiness. No-op if already running. The first
  // successful start creates role `app` (LOGIN, kAppPassword) and database `app` it owns.
  void start();
  // pg_ctl stop in fast mode (thaws first), bounded; no-op if not running.
  void stop();
  // SIGKILL the postmaster and all its backends, like the OOM killer taking the server, and
  // wait (bounded) until they are gone. start() works afterwards (crash recovery).
  void kill_hard();
  // SIGSTOP / SIGCONT the postmaster and every process below it: the server keeps its sockets
  // but answers nothing, so TCP connects succeed and then hang. Like a wedged or swapped host.
  void freeze();
  void thaw();

  bool running() const;
  bool frozen() const { return frozen_; }
  int port() const { return port_; }
  std::string dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  // From postmaster.pid; -1 when there is none.
  pid_t postmaster_pid() const;
  // The whole server log so far (for failure messages).
  std::string server_log() const;

  // postgresql://app:PASSWORD@127.0.0.1:PORT/app, the password percent-encoded. Connects over
  // TCP, where pg_hba.conf demands scram-sha-256 for every user but postgres.
  std::string app_dsn(std::string_view password = kAppPassword) const;
  // key=value conninfo for user postgres over the unix socket in dir() (trust auth).
  std::string superuser_conninfo(const std::string& db = "app") const;

  // As superuser over the unix socket. exec() runs one or more statements; query_value()
  // returns the first cell. Both throw std::runtime_error with the server's message.
  void exec(const std::string& sql, const std::string& db = "app") const;
  std::string query_value(const std::string& sql, const std::string& db = "app") const;

  // HeldConnection::open(conninfo_or_url), e.g. connect(app_dsn()).
  std::unique_ptr<HeldConnection> connect(const std::string& conninfo_or_url) const;

 private:
  void init();
  void provision_app();
  void run_pg_tool(std::vector<std::string> argv, std::chrono::milliseconds timeout) const;
  void signal_tree(int sig) const;
  void discard_stale_pid_file() const noexcept;
  void cleanup() noexcept;

  Options options_;
  std::string dir_;
  int port_ = 0;
  bool frozen_ = false;
  bool provisioned_ = false;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for userinfo in URLs.
std::string percent_encode(std::string_view text);

}  // namespace opsagent::testing
