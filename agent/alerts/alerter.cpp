#include "agent/alerts/alerter.hpp"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"

namespace opsagent::alerts {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::off:
      return "off";
    case Role::leader:
      return "leader";
    case Role::follower:
      return "follower";
  }
  return "off";
}

namespace {

std::string_view type_name(config::AlertReceiver::Type t) {
  using T = config::AlertReceiver::Type;
  switch (t) {
    case T::webhook:
      return "webhook";
    case T::slack:
      return "slack";
    case T::pagerduty:
      return "pagerduty";
    case T::alertmanager:
      return "alertmanager";
    case T::exec:
      return "exec";
  }
  return "webhook";
}

bool routes(const config::AlertReceiver& r, const Notification& n) {
  using T = config::AlertReceiver::Type;
  if (n.kind == NotificationKind::suppressed) {
    return r.type != T::pagerduty && r.type != T::alertmanager;
  }
  if (n.kind == NotificationKind::test) return true;
  return r.rules.empty() || std::ranges::find(r.rules, n.alert.rule) != r.rules.end();
}

void log_notification(const Notification& n, bool sent) {
  spdlog::log(n.kind == NotificationKind::resolved ? spdlog::level::info : spdlog::level::warn,
              "alerts: {} {} ({}): {}{}", n.alert.labels.at("alertname"), to_string(n.kind),
              to_string(n.alert.severity), n.alert.summary,
              sent ? "" : " [follower: another agent sends]");
}

}  // namespace

Alerter::Alerter(const config::Config& config, config::Environment env, AgentIdentity who)
    : env_(std::move(env)), who_(std::move(who)), receivers_(config.alerts.receivers) {
  auto attempt = [this](const config::AlertReceiver& r, const DeliveryJob& job) {
    return attempt_delivery(r, job, env_, who_, kAlertmanagerTtl);
  };
  auto on_change = [this] {
    std::lock_guard lock(mutex_);
    persist_locked();
    publish_status_locked();
  };
  queue_ = std::make_unique<DeliveryQueue>(DeliveryQueue::Options{}, attempt, on_change);
  queue_->set_receivers(receivers_);
  {
    std::lock_guard lock(mutex_);
    if (config.alerts.enabled()) {
      resume_locked(config);
    } else {
      role_ = Role::off;
    }
    publish_status_locked();
  }
  queue_->start();
}

void Alerter::resume_locked(const config::Config& config) {
  // With nothing to send there is nothing to keep: the file is opened once alerts are on.
  state_opened_ = true;
  const std::string path = config.alerts.state_file.value_or(default_state_file(env_));
  if (path.empty()) {
    if (!config.alerts.state_file) {
      spdlog::warn(
          "alerts: no writable place for the alert state (no STATE_DIRECTORY, "
          "/var/lib/opsagent or HOME); it is kept in memory, so a restart forgets it; set "
          "alerts.state_file");
    }
    return;
  }
  auto state = read_state_file(path);
  AlertState restored;
  if (!state) {
    spdlog::error(
        "alerts: {}; starting with no alert state (the file is replaced at the next "
        "write)",
        state.error());
  } else if (*state) {
    restored = std::move(**state);
    spdlog::info("alerts: resumed from {}: {} alert(s) tracked, {} notification(s) to deliver",
                 path, restored.alerts.size(), restored.undelivered.size());
  } else {
    spdlog::info("alerts: keeping alert state in {}", path);
  }
  writer_.emplace(path);
  book_.restore(std::move(restored.alerts));
  rate_.restore(std::move(restored.sent), restored.suppressed);
  for (auto& job : restored.undelivered) {
    if (!queue_->push(std::move(job))) {
      spdlog::warn(
          "alerts: dropped an undelivered notification for a receiver no longer "
          "configured (or disabled)");
    }
  }
}

Alerter::~Alerter() {
  stop(std::chrono::seconds(2));
}

void Alerter::stop(std::chrono::milliseconds timeout) {
  const auto until = common::saturating_add(std::chrono::steady_clock::now(), timeout);
  queue_->stop(timeout);
  std::lock_guard lock(mutex_);
  persist_locked();
  if (writer_) {
    const auto left = std::max(std::chrono::milliseconds(100),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   until - std::chrono::steady_clock::now()));
    writer_->flush(left);
  }
}

void Alerter::update_role(const probes::Snapshot& s, const config::Config& c) {
  if (!c.alerts.leader_election) {
    role_ = Role::leader;
    role_reason_ = "alerts.leader_election = false: every agent sends";
    return;
  }
  if (!s.alert_leader) {
    // The database did not answer: keep the last role, so the alert about exactly that still
    // goes out from whoever was sending.
    if (role_ == Role::off) role_ = Role::leader;
    role_reason_ =
        "database unreachable: keeping the last role (" + std::string(to_string(role_)) + ")";
    return;
  }
  role_ = *s.alert_leader ? Role::leader : Role::follower;
  role_reason_ = !s.leadership_note.empty() ? s.leadership_note
                 : *s.alert_leader          ? "holds the leadership lock (a Postgres advisory lock)"
                                            : "another agent holds the leadership lock";
}

void Alerter::observe(const probes::Snapshot& snapshot, const config::Config& config) {
  std::lock_guard lock(mutex_);
  if (config.alerts.receivers != receivers_) {
    receivers_ = config.alerts.receivers;
    queue_->set_receivers(receivers_);
  }
  if (!config.alerts.enabled()) {
    role_ = Role::off;
    role_reason_ = "no [[alerts.receivers]] configured";
    publish_status_locked();
    return;
  }
  if (!state_opened_) resume_locked(config);
  const Role before = role_;
  update_role(snapshot, config);
  if (before != role_ && before != Role::off) {
    spdlog::info("alerts: this agent is now the {} ({})", to_string(role_), role_reason_);
  }
  const bool leader = role_ == Role::leader;
  const auto now = WallClock::now();
  const auto outcome =
      evaluate_rules(snapshot, config, book_.active(kRulePoolSaturation), who_.database);
  auto due = book_.update(outcome, now, config.alerts, config.alerts.runbook_url);
  for (const auto& n : due) log_notification(n, leader);

  if (leader) {
    std::set<std::string> notified;
    for (const auto& n : due) notified.insert(n.alert.fingerprint);
    if (before == Role::follower) {
      // Taking over: the previous leader may or may not have delivered what is firing.
      for (auto& n : book_.announce(now)) {
        if (notified.contains(n.alert.fingerprint)) continue;
        n.kind = NotificationKind::reminder;
        due.insert(due.begin(), std::move(n));
      }
    }
    const int max = config.alerts.max_per_hour;
    if (const int held = rate_.take_summary(now, max)) {
      route(suppressed_summary(held, max, now, who_.database), config, false);
    }
    for (const auto& n : due) {
      if (n.kind != NotificationKind::resolved && !rate_.allow(now, max)) {
        rate_.suppress();
        spdlog::warn("alerts: rate limit (alerts.max_per_hour = {}) holds back {} {}", max,
                     n.alert.labels.at("alertname"), to_string(n.kind));
        continue;
      }
      route(n, config, false);
    }
    if (now - last_alertmanager_resend_ >= kAlertmanagerResend) {
      last_alertmanager_resend_ = now;
      for (const auto& alert : book_.firing()) {
        if (notified.contains(alert.fingerprint)) continue;
        route(notify(NotificationKind::refresh, alert, now), config, true);
      }
    }
  }
  persist_locked();
  publish_status_locked();
}

void Alerter::route(const Notification& n, const config::Config& config, bool alertmanager_only) {
  for (const auto& r : config.alerts.receivers) {
    if (alertmanager_only && r.type != config::AlertReceiver::Type::alertmanager) continue;
    if (!routes(r, n)) continue;
    queue_->push(DeliveryJob{.receiver = r.name, .notification = n});
  }
}

void Alerter::persist_locked() {
  if (!writer_) return;
  AlertState state;
  state.alerts = book_.tracked();
  state.undelivered = queue_->pending();
  state.sent = rate_.sent();
  state.suppressed = rate_.suppressed();
  auto text = serialize_state(state);
  if (text == last_persisted_) return;  // quiet cycles cost no disk writes
  last_persisted_ = text;
  writer_->submit(std::move(text));
}

void Alerter::publish_status_locked() {
  AlertsStatus s;
  s.role = role_;
  s.role_reason = role_reason_;
  s.firing = book_.firing();
  s.suppressed = rate_.suppressed();
  const auto stats = queue_->stats();
  for (const auto& r : receivers_) {
    ReceiverStatus rs{.name = r.name, .type = std::string(type_name(r.type)), .stats = {}};
    if (auto it = stats.find(r.name); it != stats.end()) rs.stats = it->second;
    s.receivers.push_back(std::move(rs));
  }
  status_.set(std::make_shared<const AlertsStatus>(std::move(s)));
}

}  // namespace opsagent::alerts
