#include "agent/daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace opsagent::daemon {

namespace {

void notify(const std::string& state) {
  sd_notify(0, state.c_str());
}

std::chrono::microseconds watchdog_usec() {
  std::uint64_t usec = 0;
  return std::chrono::microseconds(sd_watchdog_enabled(0, &usec) > 0 ? usec : 0);
}

}  // namespace

SystemdNotifier::SystemdNotifier()
    : watchdog_timeout_(watchdog_usec()), watchdog_(watchdog_timeout_.count() > 0) {}

void SystemdNotifier::ready() const {
  notify("READY=1");
}

void SystemdNotifier::reloading() const {
  notify("RELOADING=1");
}

void SystemdNotifier::stopping() const {
  notify("STOPPING=1");
}

void SystemdNotifier::status(const web::Readiness& r) const {
  notify(status_message(r));
}

void SystemdNotifier::watchdog() const {
  if (watchdog_) notify("WATCHDOG=1");
}

std::string status_message(const web::Readiness& r) {
  return r.ready ? "STATUS=ready" : "STATUS=not ready: " + r.reason;
}

}  // namespace opsagent::daemon
