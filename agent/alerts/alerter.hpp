// The Alerter: on every published Snapshot (probe thread) it evaluates the rules, advances the
// AlertBook, and, when this agent is the leader, hands the notifications due to the delivery
// queue, routed by each receiver's `rules` and under the global rate limit. It never blocks on
// the network or the disk: delivery and the state file each have their own thread.
// Thread-safety: observe(), status() and the delivery thread's callbacks may run concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/alerts/alert_book.hpp"
#include "agent/alerts/alerts_status.hpp"
#include "agent/alerts/delivery/attempt.hpp"
#include "agent/alerts/delivery/queue.hpp"
#include "agent/alerts/identity.hpp"
#include "agent/alerts/rate_limit.hpp"
#include "agent/alerts/state_file.hpp"
#include "common/latest.hpp"
#include "config/config.hpp"
#include "config/load.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::alerts {

// Alertmanager forgets a firing alert whose endsAt passes, so while firing it is re-sent this
// often, with endsAt kAlertmanagerTtl ahead (as Prometheus does).
inline constexpr std::chrono::seconds kAlertmanagerResend{60};
inline constexpr std::chrono::seconds kAlertmanagerTtl{300};

class Alerter {
 public:
  // Reads alerts.state_file (a restart resumes where it stopped) and starts delivery. With no
  // receivers no state file is read or written until a reload configures one. The state file
  // path applies for the process's life; receivers and rules follow reloads.
  Alerter(const config::Config& config, config::Environment env, AgentIdentity who);
  ~Alerter();  // stops delivery (bounded) and writes the state a last time
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  // After each probe cycle, with the config in force.
  void observe(const probes::Snapshot& snapshot, const config::Config& config);

  // Stops delivery and waits (bounded) for the state file to be written: for shutdown.
  void stop(std::chrono::milliseconds timeout);

  std::shared_ptr<const AlertsStatus> status() const { return status_.get(); }

 private:
  void route(const Notification& n, const config::Config& config, bool alertmanager_only);
  // Opens the state file (alerts.state_file or the default place) and resumes from it.
  void resume_locked(const config::Config& config);
  void persist_locked();
  void publish_status_locked();
  void update_role(const probes::Snapshot& snapshot, const config::Config& config);

  config::Environment env_;
  AgentIdentity who_;
  std::optional<StateWriter> writer_;
  bool state_opened_ = false;
  std::string last_persisted_;
  mutable std::mutex mutex_;
  AlertBook book_;
  RateLimit rate_;
  Role role_ = Role::leader;  // until a cycle says otherwise: better twice than never
  std::string role_reason_ = "no leadership result yet";
  std::vector<config::AlertReceiver> receivers_;
  WallClock::time_point last_alertmanager_resend_{};
  common::Latest<AlertsStatus> status_;
  std::unique_ptr<DeliveryQueue> queue_;  // last: its thread calls back into the members above
};

}  // namespace opsagent::alerts
