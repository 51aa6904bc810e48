// The agent's configuration: plain values, validated once by load_config() and then immutable.
// A running agent holds it as std::shared_ptr<const Config> and swaps the whole object on SIGHUP,
// so readers never see a half-applied reload. Thread-safety: a const Config is safe to share.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::config {

using Duration = std::chrono::milliseconds;

// A relation the schema must contain. `schema` empty means "in one of readiness.search_path".
// Names are stored as Postgres folds unquoted identifiers: lower case.
struct TableName {
  std::string schema;
  std::string table;

  // "schema.table" or "table", as shown to users.
  std::string display() const { return schema.empty() ? table : schema + "." + table; }
  bool operator==(const TableName&) const = default;
};

// A migration marker: evidence that a given migration has been applied.
struct MigrationMarker {
  enum class Kind { table, column, query };
  std::string name;  // unique; shown in /health/ready when missing
  Kind kind = Kind::table;
  TableName table;     // kind table and column
  std::string column;  // kind column (lower case)
  std::string query;   // kind query: one read-only statement returning a single boolean
  bool operator==(const MigrationMarker&) const = default;
};

struct AgentSection {
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 8080;
  Duration interval{2000};      // between probe cycles (less up to 10% jitter)
  Duration stale_after{15000};  // a snapshot older than this means "probe stalled"
  Duration drain{5000};         // keep serving (not ready) this long after SIGTERM
  int http_threads = 8;         // cpp-httplib worker pool size
  // /status and /metrics requests a second per client address (bursts of twice that); 0: no
  // limit. The healthcheck endpoints are never limited.
  int rate_limit = 10;
  // Name of the environment variable holding the bearer token for /health details, /status and
  // /metrics; empty: no token, everything public.
  std::string token_env;
  bool operator==(const AgentSection&) const = default;
};

struct LogSection {
  enum class Format { text, json };
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  Format format = Format::text;
  bool operator==(const LogSection&) const = default;
};

struct DatabaseSection {
  std::string dsn_env = "DATABASE_URL";  // the DSN itself never lives in the file
  Duration connect_timeout{3000};
  Duration statement_timeout{5000};
  Duration lock_timeout{1000};
  // 0 disables the periodic fresh connection; sooner while in doubt (postgres_probe.cpp).
  Duration fresh_connect_interval{300000};
  std::string application_name = "opsagent";
  bool operator==(const DatabaseSection&) const = default;
};

// An HTTP endpoint of the app itself that must answer before the deployment is ready, so
// "ready" means database + schema + the app answering.
struct HttpCheck {
  std::string name;  // unique; the check shows as "http:<name>"
  std::string url;   // http://host[:port]/path (usually localhost: the app in this container)
  int expect_status = 200;
  Duration timeout{2000};
  bool operator==(const HttpCheck&) const = default;
};

struct ReadinessSection {
  // What connection pressure does to readiness: a database with every slot taken
  // (too_many_connections) or a pooler whose queue is full. `warn` (default): a warning and an
  // alert, never a reason for every replica to leave rotation; `not_ready`: for a deploy gate
  // that must not add a deployment to a full database.
  enum class Pressure { warn, not_ready };
  std::vector<TableName> expected_tables;
  // Where unqualified names are looked up: the schemas of the app's search_path, in order. Not
  // the agent's own search_path: its role may have a schema of its own (first under the default
  // "$user", public) holding a table of that name that the app never sees.
  std::vector<std::string> search_path{"public"};
  // Whether a view or materialized view satisfies an expected table or a table/column marker;
  // by default only tables do (ordinary, partitioned, foreign).
  bool accept_views = false;
  std::vector<MigrationMarker> migrations;
  // How often the query markers run (user SQL: never every cycle by default). 0s: every cycle.
  // Between runs readiness uses the last verdict; a failing marker is asked every cycle.
  Duration marker_interval{30'000};
  std::vector<HttpCheck> http;
  Pressure on_pressure = Pressure::warn;
  bool operator==(const ReadinessSection&) const = default;
};

// A pool threshold as the user wrote it: "80%" (of usable slots), 85 (connections in use) or
// "-5" (slots left).
struct Threshold {
  enum class Kind { percent, count, slots_left };
  Kind kind = Kind::percent;
  double value = 0;  // percent: 0..100; count and slots_left: >= 0
  bool operator==(const Threshold&) const = default;

  // True when `used` of `usable` slots has reached this threshold.
  bool reached(int used, int usable) const {
    switch (kind) {
      case Kind::percent:
        return usable > 0 && used * 100.0 >= value * usable;
      case Kind::count:
        return used >= value;
      case Kind::slots_left:
        return usable - used <= value;
    }
    return false;
  }
};

// One application's connection pools: `instances` workers, each with a pool of `pool_max`,
// recognised in pg_stat_activity by application_name matching the glob `application_name`.
struct PoolClient {
  std::string name;
  std::string application_name;  // glob: * and ? (e.g. "web:*")
  int instances = 1;
  int pool_max = 0;
  // Connects through PgBouncer: its pools count against PgBouncer's max_client_conn, and
  // Postgres sees only PgBouncer's server connections (see [pgbouncer]).
  bool via_pgbouncer = false;
  bool operator==(const PoolClient&) const = default;
};

struct PoolSection {
  Threshold warn{Threshold::Kind::percent, 80};
  Threshold critical{Threshold::Kind::percent, 95};
  std::vector<PoolClient> clients;
  // The exhaustion forecast: the trend of the connections in use over forecast_window, and a
  // warning (pool:forecast, PostgresPoolExhaustionForecast) when at that rate the usable slots
  // run out within forecast_horizon (0: never).
  Duration forecast_window{15 * 60 * 1000};
  Duration forecast_horizon{30 * 60 * 1000};
  Duration idle_in_transaction_warn{60000};  // a declared client's session idle in a transaction
  // Guarded termination of declared clients' sessions idle in a transaction for terminate_after
  // while the pool is at or above warn, only of role terminate_role (probes/model/termination.hpp).
  enum class Terminate { off, dry_run, on };
  Terminate terminate_idle_in_transaction = Terminate::off;
  Duration terminate_after{10 * 60 * 1000};
  std::string terminate_role;
  bool operator==(const PoolSection&) const = default;
};

// [pgbouncer]: the pooler's admin console, for the queue no Postgres view shows (clients
// waiting for a server connection). Off while dsn_env is empty.
struct PgBouncerSection {
  std::string dsn_env;              // variable holding the admin console DSN (db "pgbouncer")
  Duration maxwait_critical{5000};  // a client waiting this long is critical; 0: off
  bool operator==(const PgBouncerSection&) const = default;

  bool enabled() const { return !dsn_env.empty(); }
};

// [deploy]: how the app deploys. During a zero-downtime deploy the old and the new deployment
// run side by side, each with its own pools: the budget gets a during-deploy line, and while
// this agent (the new deployment) is not yet ready it compares the sessions in use now with
// what its own app will add.
struct DeploySection {
  // How many deployments of the app (copies of the declared pools) run at once during a deploy:
  // 1 (overlap = false: the old one stops first), 2 (overlap = true), or a number. Default 1,
  // 2 on Railway (apply_environment) unless the file says otherwise.
  int overlap = 1;
  bool overlap_from_platform = false;  // the 2 came from the Railway default, not the file
  // While not yet ready, a deploy that can exhaust Postgres makes the agent not ready (the
  // pool:deploy check fails and gates) instead of only warning.
  bool gate = false;
  bool operator==(const DeploySection&) const = default;
};

// Supervise mode (`opsagent run -- CMD...`): what to do when the app process exits on its own.
struct SuperviseSection {
  enum class OnExit { exit, restart };
  OnExit on_exit = OnExit::exit;        // exit: the agent exits with the app's status
  Duration restart_backoff_max{30000};  // restart: 1s, 2s, 4s, ... up to this
  Duration stop_timeout{10000};         // after passing SIGTERM on, wait this long, then SIGKILL
  bool operator==(const SuperviseSection&) const = default;
};

// One [[upstreams]] entry: a public API the app calls (the reference app: a city's SODA data
// API). The agent probes it at its own interval, on its own thread, and keeps one circuit
// breaker for every worker of the app: closed -> open after failure_threshold consecutive
// failures; while open, one probe per recovery_timeout (half-open) that closes it on success.
// GET /upstreams/<name> answers from that state in microseconds.
struct Upstream {
  std::string name;  // unique; [A-Za-z0-9_.-] so it works in /upstreams/<name>
  std::string url;   // http(s)://host[:port][/path][?query], no user:password@
  Duration interval{10000};
  Duration timeout{5000};  // one request: name lookup, connect, TLS, answer; at most interval
  int expect_status = 200;
  int failure_threshold = 5;
  Duration recovery_timeout{60000};
  bool gates_readiness = false;  // an open circuit makes the agent not ready
  bool operator==(const Upstream&) const = default;
};

// The alert rules, by the names [[alerts.receivers]] route on (`rules = [...]`). The pool
// budget is not among them: a configuration fact is a finding (log, /status, /health), not an
// incident.
inline constexpr std::string_view kAlertRules[] = {"pool_saturation",
                                                   "client_pool_at_limit",
                                                   "readiness",
                                                   "idle_in_transaction",
                                                   "long_transaction",
                                                   "lock_waits",
                                                   "pgbouncer_queue",
                                                   "upstream_circuit_open",
                                                   "job_stale",
                                                   "job_failing",
                                                   "query_threshold",
                                                   "container_cpu",
                                                   "container_memory",
                                                   "lock_queue",
                                                   "pool_exhaustion_forecast",
                                                   "leaked_connections",
                                                   "sessions_terminated"};

// A rule name older configs route on; the pool budget is a finding now, so it never fires.
inline constexpr std::string_view kRetiredBudgetRule = "pool_budget";

// One [[alerts.receivers]] entry: where notifications go. URLs and secrets usually live in the
// environment (url_env, secret_env, routing_key_env), read at delivery time, never in the file.
struct AlertReceiver {
  enum class Type { webhook, slack, pagerduty, alertmanager, exec };
  std::string name;  // unique; labels delivery metrics and `opsagent test-alert --receiver`
  Type type = Type::webhook;
  std::string url;      // http(s)://...; for pagerduty defaults to the Events v2 endpoint
  std::string url_env;  // instead of url: the variable holding it (Slack URLs are secrets)
  // webhook: variable holding the Standard Webhooks secret ("whsec_<base64>"); two secrets
  // separated by a space while rotating. Empty: unsigned.
  std::string secret_env;
  std::string routing_key_env;       // pagerduty: variable holding the integration key
  std::vector<std::string> command;  // exec: argv, no shell
  std::vector<std::string> rules;    // the rules routed here; empty: every rule
  Duration timeout{10000};           // one attempt: connect + send + answer (or the command)
  bool operator==(const AlertReceiver&) const = default;
};

// [alerts]: rules, timing and receivers. With no receivers, nothing is evaluated or sent.
struct AlertsSection {
  Duration pending{30000};      // a condition must hold this long before it fires (Prometheus for:)
  Duration keep_firing{60000};  // and be clear this long before it resolves
  Duration repeat{4 * 3600 * 1000};  // reminder while still firing; 0: never
  // "" keeps state in memory only; nullopt (not set): the default place, chosen at start when
  // alerts are on (alerts::default_state_file: $STATE_DIRECTORY, /var/lib/opsagent,
  // ~/.local/state).
  std::optional<std::string> state_file;
  // Pool saturation hysteresis: once firing, it resolves only below this level.
  Threshold clear_below{Threshold::Kind::percent, 75};
  Duration idle_in_transaction{300000};  // a session idle in a transaction this long; 0: off
  Duration long_transaction{900000};     // a transaction open this long; 0: off
  int lock_waiters = 1;                  // this many sessions waiting on locks; 0: off
  int max_per_hour = 30;        // notifications (resolves excepted) per hour across receivers
  bool leader_election = true;  // one agent per database sends (Postgres advisory lock)
  std::string runbook_url;      // added to every alert when set
  std::vector<AlertReceiver> receivers;
  bool operator==(const AlertsSection&) const = default;

  bool enabled() const { return !receivers.empty(); }
};

// [[jobs]]: a scheduled job of the app that records each run as a row of a table (the reference
// app's cron worker writes cron_log). The agent reads the table at the job's own interval and
// says when the last success is too old, or too many runs failed.
struct JobWatch {
  std::string name;  // unique; the check shows as "job:<name>"
  TableName table{"", "cron_log"};
  std::string job_name;  // the value of job_name_column that marks this job's rows
  Duration max_age{0};   // the last success must be newer than this (required)
  int max_failures = 0;  // failed runs allowed in `window` before JobFailing
  Duration window{24 * 3600 * 1000};
  Duration interval{60000};  // how often the table is read (not every probe cycle)
  bool gates_readiness = false;
  // The table's columns and status values; the defaults are the reference app's.
  std::string job_name_column = "job_name";
  std::string status_column = "status";
  std::string started_column = "started_at";
  std::string finished_column = "finished_at";
  std::string error_column = "error_message";
  std::string success_value = "success";
  std::string failed_value = "failed";
  bool operator==(const JobWatch&) const = default;
};

// One [[queries.thresholds]] row: a level for one numeric column of a custom query's row.
struct QueryThreshold {
  std::string column;
  std::optional<double> warn;  // at least one of warn and critical is set
  std::optional<double> critical;
  bool below = false;  // false: a problem at or above the level; true: at or below
  bool operator==(const QueryThreshold&) const = default;
};

// [[queries]]: a read-only query of the app's own tables returning one row of named numeric
// columns (a cache's size and oldest entry, request latency percentiles), read at its own
// interval; each column is a gauge, and thresholds make checks and alerts of them.
struct CustomQuery {
  std::string name;  // unique; the check "query:<name>" and the metrics' `query` label
  std::string sql;
  Duration interval{60000};
  bool gates_readiness = false;
  std::vector<QueryThreshold> thresholds;
  bool operator==(const CustomQuery&) const = default;
};

// [container]: the container's own resources, read from its cgroup (v2, or v1 where that is what
// the machine has): CPU against the quota, memory against the limit, OOM kills; in supervise mode
// also the app's process tree. Thresholds are percentages of the quota or the limit ("80%"): a
// container without one is "not limited" and never measured against the host.
struct ContainerSection {
  bool enabled = true;      // false: nothing is read, no checks
  std::string cgroup_root;  // "" (default): the process's own cgroup, found in /proc/self
  Duration interval{10000};
  Threshold cpu_warn{Threshold::Kind::percent, 80};
  Threshold cpu_critical{Threshold::Kind::percent, 95};
  Duration cpu_sustained{300000};  // CPU must stay above cpu_warn this long before it counts
  Threshold memory_warn{Threshold::Kind::percent, 85};
  Threshold memory_critical{Threshold::Kind::percent, 95};
  bool gates_readiness = false;  // critical makes the agent not ready
  bool operator==(const ContainerSection&) const = default;
};

// [locks]: lock queues. When the cycle's activity statement sees sessions waiting on locks, one
// more statement reads who blocks whom (pg_blocking_pids()); a steady cycle never sends it.
// A queue is a root session that waits on nothing itself (often idle in transaction) and every
// session waiting behind it; its head is the session first in line behind the root.
struct LocksSection {
  bool enabled = true;             // read the blocking tree when sessions wait on locks
  int max_sessions = 50;           // sessions shown in the tree (every view); the rest are counted
  Duration alert_after{10000};     // PostgresLockQueue: a head waiting this long; 0: off
  int alert_queued = 5;            // or this many sessions waiting in one queue; 0: off
  Duration critical_after{60000};  // a head waiting this long: check fails, alert critical; 0: off
  bool gates_readiness = false;    // a critical postgres:locks makes the agent not ready
  bool operator==(const LocksSection&) const = default;
};

struct Config {
  std::string source;  // the file it was loaded from, for messages
  AgentSection agent;
  LogSection log;
  DatabaseSection database;
  ReadinessSection readiness;
  PoolSection pool;
  PgBouncerSection pgbouncer;
  SuperviseSection supervise;
  DeploySection deploy;
  AlertsSection alerts;
  std::vector<Upstream> upstreams;   // [[upstreams]]
  std::vector<JobWatch> jobs;        // [[jobs]]
  std::vector<CustomQuery> queries;  // [[queries]]
  ContainerSection container;
  LocksSection locks;
  bool operator==(const Config&) const = default;

  // Time the client gives the server past its own statement_timeout, so a slow statement ends
  // with the server's error (and a clear class) rather than the client dropping the socket.
  static constexpr Duration kServerGrace{1000};

  // The longest one statement round trip may take on a connection already open: a frozen server
  // is detected by then, whatever else the cycle does.
  Duration statement_deadline() const { return database.statement_timeout + kServerGrace; }

  // The longest one probe cycle may take before it is published: connecting, then the
  // statements, then the grace. The app's [[readiness.http]] checks run beside the database's,
  // each under its own timeout, and an answer slower than a short wait is reported by the next
  // cycle: they never stretch the database's deadline, nor the one stale_after must cover.
  Duration cycle_deadline() const {
    return database.connect_timeout + database.statement_timeout + kServerGrace;
  }
};

}  // namespace opsagent::config
