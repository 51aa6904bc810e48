// The alert state file: firing and pending alerts, notifications not yet delivered, and the rate
// limiter's window, so a restart neither re-sends what was delivered nor forgets a resolve.
// Written atomically (temporary file, fsync, rename, fsync of the directory) by a StateWriter on
// its own thread, so a slow disk never holds up probing. Thread-safety: the functions are
// reentrant; StateWriter's members are safe to call from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/alerts/alert_book.hpp"
#include "agent/alerts/delivery/job.hpp"
#include "config/load.hpp"

namespace opsagent::alerts {

struct AlertState {
  std::map<std::string, TrackedAlert> alerts;  // by fingerprint
  std::vector<DeliveryJob> undelivered;
  std::vector<WallClock::time_point> sent;  // notifications counted by the rate limit
  int suppressed = 0;                       // held back by it, not yet summarised
};

std::string serialize_state(const AlertState& state);
// The error says what is wrong with the text (never quotes it: it holds alert details).
std::expected<AlertState, std::string> parse_state(std::string_view text);

// The largest state file read back. The state is small (alerts, at most 256 undelivered
// notifications per receiver, each at most 256 KiB as a webhook body but far less as state);
// anything larger is not one the agent wrote.
inline constexpr std::size_t kMaxStateFileBytes = std::size_t{16} << 20;

// nullopt when there is no file yet. Read with common::read_bounded_file: a FIFO, a device or a
// file over kMaxStateFileBytes is an error at once, never a hang or an endless read.
std::expected<std::optional<AlertState>, std::string> read_state_file(const std::string& path);
// Refuses to replace a path that names anything but a regular file (or nothing).
std::expected<void, std::string> write_state_file(const std::string& path,
                                                  std::string_view contents);

// Where the state file goes when alerts.state_file is not set: $STATE_DIRECTORY/alerts.json
// (systemd's StateDirectory=; its first entry), else /var/lib/opsagent/alerts.json when that
// directory is writable (the image's volume, a packaged install), else
// $XDG_STATE_HOME/opsagent/alerts.json ($HOME/.local/state when unset; the directory is created).
// "" when none of them can be used: the state stays in memory.
std::string default_state_file(const config::Environment& env);

class StateWriter {
 public:
  explicit StateWriter(std::string path);
  ~StateWriter();  // writes what is still waiting, then joins
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  // Queues `contents` to be written; a later submit replaces one still waiting.
  void submit(std::string contents);
  // Waits (at most `timeout`) until everything submitted so far is on disk; false on timeout.
  bool flush(std::chrono::milliseconds timeout);

 private:
  void run();

  std::string path_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<std::string> waiting_;
  std::uint64_t submitted_ = 0;
  std::uint64_t written_ = 0;
  bool stopping_ = false;
  bool last_failed_ = false;  // log a failure once, and the recovery
  std::thread thread_;
};

}  // namespace opsagent::alerts
