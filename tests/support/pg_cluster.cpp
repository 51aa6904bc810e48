#include "tests/support/pg_cluster.hpp"

#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "tests/support/free_port.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Debian's layout; OPSAGENT_PG_BINDIR points elsewhere (another distro, a newer major).
std::string pg_bindir() {
  const char* env = std::getenv("OPSAGENT_PG_BINDIR");
  return env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
}

std::string trim_trailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string tail(const std::string& text, std::size_t max_chars = 4000) {
  return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

void append_file(const std::string& path, const std::string& text, bool truncate = false) {
  std::ofstream out(path, truncate ? std::ios::trunc : std::ios::app);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// A conninfo value in single quotes, as libpq parses them.
std::string quote_conninfo(const std::string& value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// PQexec, but with a client-side deadline: against a frozen server PQexec would block forever.
ResultPtr exec_bounded(PGconn* conn, const std::string& sql, std::chrono::milliseconds timeout) {
  if (PQsendQuery(conn, sql.c_str()) == 0) {
    throw std::runtime_error(trim_trailing(PQerrorMessage(conn)));
  }
  const auto deadline = Clock::now() + timeout;
  ResultPtr last(nullptr, &PQclear);
  std::string error;
  for (;;) {
    while (PQisBusy(conn) != 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd pfd{PQsocket(conn), POLLIN, 0};
      const int rc = left.count() > 0 ? ::poll(&pfd, 1, static_cast<int>(left.count())) : 0;
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) {
        throw std::runtime_error("no answer from the server within " +
                                 std::to_string(timeout.count()) + " ms");
      }
      if (PQconsumeInput(conn) == 0) throw std::runtime_error(trim_trailing(PQerrorMessage(conn)));
    }
    ResultPtr result(PQgetResult(conn), &PQclear);
    if (!result) break;
    switch (PQresultStatus(result.get())) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        last = std::move(result);
        break;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        throw std::runtime_error("COPY is not supported by the test harness");
      default:
        if (error.empty()) error = trim_trailing(PQresultErrorMessage(result.get()));
        if (error.empty()) error = trim_trailing(PQerrorMessage(conn));
    }
  }
  if (!error.empty()) throw std::runtime_error(error);
  return last;
}

std::string first_cell(const ResultPtr& result, const std::string& sql) {
  if (!result || PQntuples(result.get()) < 1 || PQnfields(result.get()) < 1) {
    throw std::runtime_error("query returned no value: " + sql);
  }
  return PQgetisnull(result.get(), 0, 0) != 0 ? "" : PQgetvalue(result.get(), 0, 0);
}

bool is_postgres_process(pid_t pid) {
  if (!process_alive(pid)) return false;
  return trim_trailing(read_file("/proc/" + std::to_string(pid) + "/comm")) == "postgres";
}

}  // namespace

// ---- HeldConnection ----

std::unique_ptr<HeldConnection> HeldConnection::open(const std::string& conninfo_or_url,
                                                     std::chrono::seconds connect_timeout) {
  // expand_dbname: "dbname" may hold a whole conninfo or URL; its parameters are applied after
  // (so over) the connect_timeout listed before it.
  const std::string timeout = std::to_string(connect_timeout.count());
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), conninfo_or_url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) throw std::runtime_error("libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trim_trailing(PQerrorMessage(conn));
    PQfinish(conn);
    throw std::runtime_error("connection failed: " + message);
  }
  return std::unique_ptr<HeldConnection>(new HeldConnection(conn));
}

HeldConnection::~HeldConnection() {
  PQfinish(conn_);
}

void HeldConnection::exec(const std::string& sql, std::chrono::milliseconds timeout) {
  exec_bounded(conn_, sql, timeout);
}

std::string HeldConnection::query_value(const std::string& sql, std::chrono::milliseconds timeout) {
  return first_cell(exec_bounded(conn_, sql, timeout), sql);
}

int HeldConnection::backend_pid() const {
  return PQbackendPID(conn_);
}

// ---- PgCluster ----

PgCluster::PgCluster() : PgCluster(Options{}) {}

PgCluster::PgCluster(Options options) : options_(std::move(options)) {
  try {
    init();
    if (options_.start) start();
  } catch (...) {
    cleanup();  // the destructor does not run for a half-built object
    throw;
  }
}

PgCluster::~PgCluster() {
  cleanup();
}

void PgCluster::init() {
  std::string templ = "/tmp/opsagent-pg-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  dir_ = templ;
  if (::geteuid() == 0) {
    // initdb and postgres refuse to run as root; the tree must belong to the user they run as.
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root but there is no 'postgres' user");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::system_error(errno, std::generic_category(), "chown " + dir_);
    }
  }
  run_pg_tool({"initdb", "-D", data_dir(), "-A", "trust", "-U", "postgres", "--no-sync", "-E",
               "UTF8", "--locale=C", "--no-instructions"},
              120s);
  port_ = free_tcp_port();

  std::ostringstream conf;
  conf << "\n# opsagent test harness\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "port = " << port_ << "\n"
       << "unix_socket_directories = '" << dir_ << "'\n"
       << "max_connections = " << options_.max_connections << "\n"
       << "superuser_reserved_connections = " << options_.superuser_reserved_connections << "\n"
       << "fsync = off\n"
       << "shared_buffers = 16MB\n";
  for (const auto& line : options_.extra_conf) conf << line << "\n";
  append_file(data_dir() + "/postgresql.conf", conf.str());

  // Trust locally and for the superuser, so the harness never needs a password; everyone else
  // over TCP goes through scram, which is what the agent meets in production.
  append_file(data_dir() + "/pg_hba.conf",
              "local all all trust\n"
              "host all postgres 127.0.0.1/32 trust\n"
              "host all all 127.0.0.1/32 scram-sha-256\n",
              /*truncate=*/true);
}

void PgCluster::run_pg_tool(std::vector<std::string> argv,
                            std::chrono::milliseconds timeout) const {
  const std::string tool = argv.front();
  argv.front() = pg_bindir() + "/" + tool;
  if (::geteuid() == 0) {
    const char* runuser =
        ::access("/usr/sbin/runuser", X_OK) == 0 ? "/usr/sbin/runuser" : "runuser";
    argv.insert(argv.begin(), {runuser, "-u", "postgres", "--"});
  }
  // cwd = our dir: the postgres user may not be allowed into the caller's cwd.
  const RunResult r = run_process(std::move(argv), {}, timeout, dir_);
  if (r.exit_code != 0) {
    throw std::runtime_error(tool + " failed (exit " + std::to_string(r.exit_code) + "):\n" +
                             tail(r.out + r.err));
  }
}

void PgCluster::start() {
  if (running()) return;
  // After kill_hard() the lock files survive, and if nobody reaps the dead postmaster (pg_ctl
  // orphaned it; a container's pid 1 may not reap) its zombie makes postgres believe the old
  // server still runs. Clear them ourselves.
  discard_stale_pid_file();
  try {
    run_pg_tool({"pg_ctl", "-D", data_dir(), "-l", dir_ + "/server.log", "-w", "-t", "30", "start"},
                45s);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + "\nserver log:\n" + tail(server_log()));
  }
  if (!provisioned_) {
    provision_app();
    provisioned_ = true;
  }
}

void PgCluster::provision_app() {
  exec("CREATE ROLE app LOGIN PASSWORD '" + std::string(kAppPassword) + "'", "postgres");
  exec("CREATE DATABASE app OWNER app", "postgres");
}

void PgCluster::stop() {
  thaw();
  if (!running()) return;
  try {
    run_pg_tool({"pg_ctl", "-D", data_dir(), "-m", "fast", "-w", "-t", "30", "stop"}, 45s);
  } catch (const std::exception& e) {
    if (running()) {
      throw std::runtime_error(std::string(e.what()) + "\nserver log:\n" + tail(server_log()));
    }
  }
}

void PgCluster::kill_hard() {
  const pid_t pm = postmaster_pid();
  if (!is_postgres_process(pm)) return;
  // Stop the postmaster first so it cannot fork a backend we would miss; once it is dead its
  // children are reparented and no longer findable as its descendants.
  ::kill(pm, SIGSTOP);
  std::vector<pid_t> victims = process_descendants(pm);
  ::kill(pm, SIGKILL);
  for (const pid_t pid : victims) ::kill(pid, SIGKILL);
  victims.push_back(pm);
  frozen_ = false;
  const bool gone = eventually(
      [&] { return std::ranges::none_of(victims, [](pid_t p) { return process_alive(p); }); }, 10s);
  if (!gone) throw std::runtime_error("postgres processes survived SIGKILL for 10 s");
}

void PgCluster::signal_tree(int sig) const {
  const pid_t pm = postmaster_pid();
  if (!is_postgres_process(pm)) return;
  ::kill(pm, sig);
  // Two passes: a child forked just before the postmaster stopped shows up in the second.
  for (int pass = 0; pass < 2; ++pass) {
    for (const pid_t pid : process_descendants(pm)) ::kill(pid, sig);
  }
}

void PgCluster::freeze() {
  if (!running()) throw std::logic_error("PgCluster::freeze: the server is not running");
  signal_tree(SIGSTOP);
  frozen_ = true;
}

void PgCluster::thaw() {
  if (!frozen_) return;
  signal_tree(SIGCONT);
  frozen_ = false;
}

bool PgCluster::running() const {
  return is_postgres_process(postmaster_pid());
}

pid_t PgCluster::postmaster_pid() const {
  std::ifstream in(data_dir() + "/postmaster.pid");
  long pid = -1;
  if (!(in >> pid) || pid <= 0) return -1;
  return static_cast<pid_t>(pid);
}

std::string PgCluster::server_log() const {
  return read_file(dir_ + "/server.log");
}

void PgCluster::discard_stale_pid_file() const noexcept {
  const std::string path = data_dir() + "/postmaster.pid";
  std::ifstream in(path);
  if (!in || running()) return;
  // Line 7 is "<shm key> <shm id>" of the segment postgres uses as an interlock. A killed server
  // leaves it behind; with the pid file gone, postgres would no longer know to remove it.
  std::string line;
  for (int i = 0; i < 7 && std::getline(in, line); ++i) {
  }
  std::istringstream fields(line);
  long key = 0;
  long shmid = -1;
  if (fields >> key >> shmid && shmid >= 0) {
    shmid_ds info{};
    if (::shmctl(static_cast<int>(shmid), IPC_STAT, &info) == 0 && info.shm_nattch == 0) {
      ::shmctl(static_cast<int>(shmid), IPC_RMID, nullptr);
    }
  }
  // The socket's lock file names the same dead pid and would stop the next start just the same.
  std::error_code ec;
  const std::string socket = dir_ + "/.s.PGSQL." + std::to_string(port_);
  std::filesystem::remove(socket + ".lock", ec);
  std::filesystem::remove(socket, ec);
  std::filesystem::remove(path, ec);
}

std::string PgCluster::app_dsn(std::string_view password) const {
  return "postgresql://app:" + percent_encode(password) + "@127.0.0.1:" + std::to_string(port_) +
         "/app";
}

std::string PgCluster::superuser_conninfo(const std::string& db) const {
  return "host=" + quote_conninfo(dir_) + " port=" + std::to_string(port_) +
         " user=postgres dbname=" + quote_conninfo(db) + " connect_timeout=5";
}

void PgCluster::exec(const std::string& sql, const std::string& db) const {
  HeldConnection::open(superuser_conninfo(db))->exec(sql, 60s);
}

std::string PgCluster::query_value(const std::string& sql, const std::string& db) const {
  return HeldConnection::open(superuser_conninfo(db))->query_value(sql, 60s);
}

std::unique_ptr<HeldConnection> PgCluster::connect(const std::string& conninfo_or_url) const {
  return HeldConnection::open(conninfo_or_url);
}

void PgCluster::cleanup() noexcept {
  if (dir_.empty()) return;
  try {
    thaw();
    if (running()) {
      try {
        run_pg_tool({"pg_ctl", "-D", data_dir(), "-m", "immediate", "-w", "-t", "10", "stop"}, 15s);
      } catch (const std::exception&) {
        // Fall through to SIGKILL below.
      }
    }
    if (running()) kill_hard();
  } catch (...) {
    // A destructor must not throw; the dir removal below still runs.
  }
  discard_stale_pid_file();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace opsagent::testing
