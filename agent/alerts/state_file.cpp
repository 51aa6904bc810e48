#include "agent/alerts/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/bounded_file.hpp"

namespace opsagent::alerts {
namespace {

using nlohmann::json;
constexpr int kVersion = 1;

std::int64_t ms(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallClock::time_point at(const json& j) {
  return WallClock::time_point(std::chrono::milliseconds(j.get<std::int64_t>()));
}

Severity severity_from(const std::string& s) {
  if (s == "critical") return Severity::critical;
  if (s == "warning") return Severity::warning;
  throw std::invalid_argument("unknown severity");
}

NotificationKind kind_from(const std::string& s) {
  for (auto k :
       {NotificationKind::firing, NotificationKind::escalated, NotificationKind::deescalated,
        NotificationKind::reminder, NotificationKind::refresh, NotificationKind::resolved,
        NotificationKind::test, NotificationKind::suppressed}) {
    if (to_string(k) == s) return k;
  }
  throw std::invalid_argument("unknown notification kind");
}

json alert_json(const Alert& a) {
  json j{{"rule", a.rule},
         {"fingerprint", a.fingerprint},
         {"severity", to_string(a.severity)},
         {"labels", a.labels},
         {"summary", a.summary},
         {"details", a.details},
         {"runbook_url", a.runbook_url},
         {"starts_at", ms(a.starts_at)}};
  if (a.ends_at) j["ends_at"] = ms(*a.ends_at);
  return j;
}

Alert alert_from(const json& j) {
  Alert a;
  a.rule = j.at("rule").get<std::string>();
  a.fingerprint = j.at("fingerprint").get<std::string>();
  a.severity = severity_from(j.at("severity").get<std::string>());
  a.labels = j.at("labels").get<std::map<std::string, std::string>>();
  a.summary = j.at("summary").get<std::string>();
  a.details = j.at("details").get<std::vector<std::string>>();
  a.runbook_url = j.at("runbook_url").get<std::string>();
  a.starts_at = at(j.at("starts_at"));
  if (j.contains("ends_at")) a.ends_at = at(j.at("ends_at"));
  return a;
}

json notification_json(const Notification& n) {
  json j{{"id", n.id},
         {"kind", to_string(n.kind)},
         {"alert", alert_json(n.alert)},
         {"created", ms(n.created)},
         {"suppressed_count", n.suppressed_count}};
  if (n.previous_severity) j["previous_severity"] = to_string(*n.previous_severity);
  return j;
}

Notification notification_from(const json& j) {
  Notification n;
  n.id = j.at("id").get<std::string>();
  n.kind = kind_from(j.at("kind").get<std::string>());
  n.alert = alert_from(j.at("alert"));
  n.created = at(j.at("created"));
  n.suppressed_count = j.at("suppressed_count").get<int>();
  if (j.contains("previous_severity")) {
    n.previous_severity = severity_from(j.at("previous_severity").get<std::string>());
  }
  return n;
}

json tracked_json(const TrackedAlert& t) {
  json j{{"alert", alert_json(t.alert)},
         {"phase", t.phase == TrackedAlert::Phase::firing ? "firing" : "pending"},
         {"seen_since", ms(t.seen_since)},
         {"last_notified", ms(t.last_notified)}};
  if (t.absent_since) j["absent_since"] = ms(*t.absent_since);
  if (!t.peak_summary.empty()) j["peak_summary"] = t.peak_summary;
  if (t.peak) j["peak"] = *t.peak;
  if (t.next_severity) {
    j["next_severity"] = to_string(*t.next_severity);
    j["next_severity_since"] = ms(t.next_severity_since);
  }
  return j;
}

TrackedAlert tracked_from(const json& j) {
  TrackedAlert t;
  t.alert = alert_from(j.at("alert"));
  const auto phase = j.at("phase").get<std::string>();
  if (phase != "firing" && phase != "pending") throw std::invalid_argument("unknown phase");
  t.phase = phase == "firing" ? TrackedAlert::Phase::firing : TrackedAlert::Phase::pending;
  t.seen_since = at(j.at("seen_since"));
  t.last_notified = at(j.at("last_notified"));
  if (j.contains("absent_since")) t.absent_since = at(j.at("absent_since"));
  // Files written before the peak was kept have none: the resolve then quotes the last summary.
  t.peak_summary = j.value("peak_summary", t.alert.summary);
  if (j.contains("peak")) t.peak = j.at("peak").get<double>();
  if (j.contains("next_severity")) {
    t.next_severity = severity_from(j.at("next_severity").get<std::string>());
    t.next_severity_since = at(j.at("next_severity_since"));
  }
  return t;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string serialize_state(const AlertState& state) {
  json alerts = json::array();
  for (const auto& [fp, t] : state.alerts) alerts.push_back(tracked_json(t));
  json undelivered = json::array();
  for (const auto& job : state.undelivered) {
    undelivered.push_back({{"receiver", job.receiver},
                           {"attempts", job.attempts},
                           {"notification", notification_json(job.notification)}});
  }
  json sent = json::array();
  for (auto t : state.sent) sent.push_back(ms(t));
  const json j{{"version", kVersion},
               {"alerts", alerts},
               {"undelivered", undelivered},
               {"sent", sent},
               {"suppressed", state.suppressed}};
  return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::expected<AlertState, std::string> parse_state(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected("not a JSON object");
  try {
    if (j.at("version").get<int>() != kVersion) {
      return std::unexpected("written by an incompatible version (version " +
                             j.at("version").dump() + ", expected " + std::to_string(kVersion) +
                             ")");
    }
    AlertState s;
    for (const auto& a : j.at("alerts")) {
      auto t = tracked_from(a);
      s.alerts[t.alert.fingerprint] = std::move(t);
    }
    for (const auto& u : j.at("undelivered")) {
      DeliveryJob job;
      job.receiver = u.at("receiver").get<std::string>();
      job.attempts = u.at("attempts").get<int>();
      job.notification = notification_from(u.at("notification"));
      s.undelivered.push_back(std::move(job));
    }
    for (const auto& t : j.at("sent")) s.sent.push_back(at(t));
    s.suppressed = j.at("suppressed").get<int>();
    return s;
  } catch (const std::exception& e) {
    // nlohmann's messages name the field or type, never the value.
    return std::unexpected(std::string("unexpected content: ") + e.what());
  }
}

std::expected<std::optional<AlertState>, std::string> read_state_file(const std::string& path) {
  auto text = common::read_bounded_file(path, kMaxStateFileBytes);
  if (!text && text.error().kind == common::FileReadError::Kind::missing) {
    return std::optional<AlertState>{};
  }
  if (!text) return std::unexpected(path + " " + text.error().message);
  auto state = parse_state(*text);
  if (!state) return std::unexpected(path + ": " + state.error());
  return std::optional<AlertState>{std::move(*state)};
}

std::string default_state_file(const config::Environment& env) {
  constexpr const char* kFile = "alerts.json";
  if (auto dirs = env("STATE_DIRECTORY"); dirs && !dirs->empty()) {
    return (std::filesystem::path(dirs->substr(0, dirs->find(':'))) / kFile).string();
  }
  std::error_code ec;
  if (std::filesystem::is_directory("/var/lib/opsagent", ec) &&
      ::access("/var/lib/opsagent", W_OK | X_OK) == 0) {
    return std::string("/var/lib/opsagent/") + kFile;
  }
  std::filesystem::path base;
  if (auto xdg = env("XDG_STATE_HOME"); xdg && xdg->starts_with('/')) {
    base = *xdg;
  } else if (auto home = env("HOME"); home && home->starts_with('/')) {
    base = std::filesystem::path(*home) / ".local" / "state";
  } else {
    return "";
  }
  const auto dir = base / "opsagent";
  std::filesystem::create_directories(dir, ec);
  if (ec || ::access(dir.c_str(), W_OK | X_OK) != 0) return "";
  return (dir / kFile).string();
}

std::expected<void, std::string> write_state_file(const std::string& path,
                                                  std::string_view contents) {
  const std::filesystem::path target(path);
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::string tmp = path + ".tmp";
  // The rename below replaces whatever the path names: never a FIFO or a device (as root that
  // would swap /dev/null for a regular file).
  if (const auto kind = common::irregular_file_kind(path)) {
    return std::unexpected("not replacing " + path + ": it is " + *kind +
                           ", not a regular file; point alerts.state_file at a file of its own");
  }
  // O_NONBLOCK: a FIFO left at the temporary path fails (ENXIO) instead of waiting for a reader.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) return std::unexpected("cannot write " + tmp + ": " + errno_text());
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto err = errno_text();
      ::close(fd);
      return std::unexpected("cannot write " + tmp + ": " + err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return std::unexpected("cannot write " + tmp + ": " + errno_text());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return std::unexpected("cannot rename " + tmp + " to " + path + ": " + errno_text());
  }
  // The rename itself must survive a crash too.
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

StateWriter::StateWriter(std::string path) : path_(std::move(path)) {
  thread_ = std::thread([this] { run(); });
}

StateWriter::~StateWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StateWriter::submit(std::string contents) {
  {
    std::lock_guard lock(mutex_);
    waiting_ = std::move(contents);
    ++submitted_;
  }
  cv_.notify_all();
}

bool StateWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto target = submitted_;
  return cv_.wait_for(lock, timeout, [&] { return written_ >= target; });
}

void StateWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || waiting_.has_value(); });
    if (!waiting_) return;  // stopping, nothing left to write
    std::string contents = std::move(*waiting_);
    waiting_.reset();
    const auto target = submitted_;
    lock.unlock();
    auto written = write_state_file(path_, contents);
    if (!written && !last_failed_) {
      spdlog::error(
          "alerts: {}; alert state is kept in memory only until this works again "
          "(check alerts.state_file and the directory's permissions)",
          written.error());
    } else if (written && last_failed_) {
      spdlog::info("alerts: state file {} written again", path_);
    }
    last_failed_ = !written;
    lock.lock();
    written_ = target;
    cv_.notify_all();
  }
}

}  // namespace opsagent::alerts
