// A real PgBouncer (Debian's pgbouncer 1.18) in front of a test's PgCluster: its own temp dir,
// a free port on 127.0.0.1, run as the postgres OS user when the tests run as root (PgBouncer
// refuses root). Database `app` maps to the cluster's `app`; users `app` (the cluster's password,
// SCRAM on both sides) and `stats` (listed in stats_users, for the admin console).
// Thread-safety: use from one thread.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/support/pg_cluster.hpp"

namespace opsagent::testing {

class PgBouncer {
 public:
  static constexpr const char* kBinary = "/usr/sbin/pgbouncer";
  static constexpr std::string_view kStatsPassword = "stats-Pw-7d21";

  struct Options {
    std::string pool_mode = "transaction";
    int default_pool_size = 10;
    int max_client_conn = 100;
  };

  // Starts it and waits (bounded) until its admin console answers; throws std::runtime_error
  // with its log otherwise.
  PgBouncer(const PgCluster& cluster, const Options& options);
  ~PgBouncer();  // SIGTERM, bounded wait, SIGKILL; removes the dir. Never throws.
  PgBouncer(const PgBouncer&) = delete;
  PgBouncer& operator=(const PgBouncer&) = delete;

  int port() const { return port_; }
  // postgresql://app:PASSWORD@127.0.0.1:PORT/app: the app's pool.
  std::string app_dsn() const;
  // postgresql://stats:PASSWORD@127.0.0.1:PORT/pgbouncer: the admin console.
  std::string admin_dsn() const;
  std::string log() const;

 private:
  void shutdown() noexcept;

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace opsagent::testing
