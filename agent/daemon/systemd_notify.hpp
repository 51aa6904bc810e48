// Telling systemd (Type=notify, WatchdogSec=) what the agent is doing: ready, reloading,
// stopping, the readiness verdict as its status line, and the watchdog ping. Outside systemd
// (no NOTIFY_SOCKET) every call is a no-op. Thread-safety: safe from any thread (sd_notify opens
// a datagram socket per call); the probe thread and the main thread both report.
#pragma once

#include <chrono>
#include <string>

#include "agent/web/readiness.hpp"

namespace opsagent::daemon {

class SystemdNotifier {
 public:
  SystemdNotifier();

  void ready() const;
  void reloading() const;
  void stopping() const;
  void status(const web::Readiness& r) const;
  // Only while the unit has WatchdogSec=: systemd restarts the agent when the pings stop.
  bool watchdog_enabled() const { return watchdog_; }
  // WatchdogSec= (WATCHDOG_USEC): the pings must come more often than this.
  std::chrono::microseconds watchdog_timeout() const { return watchdog_timeout_; }
  void watchdog() const;

 private:
  std::chrono::microseconds watchdog_timeout_{0};
  bool watchdog_;
};

// The STATUS= message for a readiness verdict: "STATUS=ready", "STATUS=not ready: <reason>".
std::string status_message(const web::Readiness& r);

}  // namespace opsagent::daemon
