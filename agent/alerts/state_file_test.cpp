#include "agent/alerts/state_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace opsagent::alerts {
namespace {

using namespace std::chrono_literals;

std::filesystem::path temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "opsagent-state-XXXXXX").string();
  return mkdtemp(pattern.data());
}

AlertState sample() {
  AlertState s;
  TrackedAlert t;
  t.alert.rule = "pool_saturation";
  t.alert.labels = {{"alertname", "PostgresPoolSaturation"}, {"database", "db"}};
  t.alert.fingerprint = fingerprint_of(t.alert.labels);
  t.alert.severity = Severity::critical;
  t.alert.summary = "Postgres connections at 96%";
  t.alert.details = {"96/100", "caf\xc3\xa9"};
  t.alert.starts_at = WallClock::time_point(1700000000123ms);
  t.phase = TrackedAlert::Phase::firing;
  t.seen_since = t.alert.starts_at;
  t.absent_since = t.alert.starts_at + 5s;
  t.next_severity = Severity::warning;
  t.next_severity_since = t.alert.starts_at + 6s;
  t.last_notified = t.alert.starts_at;
  t.peak_summary = "Postgres connections at 99%";
  t.peak = 0.99;
  s.alerts[t.alert.fingerprint] = t;
  DeliveryJob job;
  job.receiver = "slack";
  job.attempts = 3;
  job.notification.id = "msg_1";
  job.notification.kind = NotificationKind::escalated;
  job.notification.previous_severity = Severity::warning;
  job.notification.alert = t.alert;
  job.notification.alert.ends_at = t.alert.starts_at + 1h;
  job.notification.created = t.alert.starts_at;
  s.undelivered.push_back(job);
  s.sent = {t.alert.starts_at};
  s.suppressed = 4;
  return s;
}

TEST(StateFile, RoundTripsEverything) {
  const AlertState s = sample();
  auto back = parse_state(serialize_state(s));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->alerts, s.alerts);
  ASSERT_EQ(back->undelivered.size(), 1u);
  const auto& n = back->undelivered[0].notification;
  EXPECT_EQ(back->undelivered[0].receiver, "slack");
  EXPECT_EQ(back->undelivered[0].attempts, 3);
  EXPECT_EQ(n.id, "msg_1");
  EXPECT_EQ(n.kind, NotificationKind::escalated);
  EXPECT_EQ(n.previous_severity, Severity::warning);
  EXPECT_EQ(n.alert.ends_at, s.undelivered[0].notification.alert.ends_at);
  EXPECT_EQ(back->sent, s.sent);
  EXPECT_EQ(back->suppressed, 4);
}

TEST(StateFile, BadContentIsAnErrorNotACrash) {
  EXPECT_FALSE(parse_state(""));
  EXPECT_FALSE(parse_state("[]"));
  EXPECT_FALSE(parse_state(R"({"version": 99})"));
  const auto wrong_type = parse_state(
      R"({"version": 1, "alerts": [{"alert": 5}], "undelivered": [], "sent": [], "suppressed": 0})");
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().find("unexpected content"), std::string::npos);
  EXPECT_FALSE(parse_state(R"({"version": 1, "alerts": [], "undelivered": [], "sent": ["x"],
                               "suppressed": 0})"));
}

TEST(StateFile, WrittenAtomicallyAndReadBack) {
  const auto dir = temp_dir();
  const auto path = (dir / "alerts.json").string();
  auto none = read_state_file(path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  {
    StateWriter writer(path);
    writer.submit("stale");
    writer.submit(serialize_state(sample()));
    ASSERT_TRUE(writer.flush(5s));
  }
  auto read = read_state_file(path);
  ASSERT_TRUE(read) << read.error();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->suppressed, 4);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  { std::ofstream(path) << "{ not json"; }
  auto corrupt = read_state_file(path);
  ASSERT_FALSE(corrupt);
  EXPECT_NE(corrupt.error().find(path), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(StateFile, UnwritableDirectoryIsReportedNotFatal) {
  auto written = write_state_file("/nonexistent-dir/alerts.json", "{}");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find("/nonexistent-dir/alerts.json.tmp"), std::string::npos);
}

// A FIFO at alerts.state_file hung `run` in open() for ever; /dev/zero was read until memory ran
// out. Both are refused at once, and neither is replaced by the writer.
TEST(StateFile, FifoAndDevicesAreRefusedNotReadOrReplaced) {
  const auto dir = temp_dir();
  const auto fifo = (dir / "alerts.json").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto read = read_state_file(fifo);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("FIFO"), std::string::npos) << read.error();
  const auto written = write_state_file(fifo, "{}");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find("not a regular file"), std::string::npos) << written.error();
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_FALSE(std::filesystem::exists(fifo + ".tmp"));
  for (const char* device : {"/dev/zero", "/dev/full"}) {
    const auto r = read_state_file(device);
    ASSERT_FALSE(r) << device;
    EXPECT_NE(r.error().find("character device"), std::string::npos) << r.error();
  }
  std::filesystem::remove_all(dir);
}

TEST(StateFile, AFileOverTheLimitIsRefusedUnread) {
  const auto dir = temp_dir();
  const auto path = (dir / "alerts.json").string();
  { std::ofstream(path) << std::string(kMaxStateFileBytes + 1, ' '); }
  const auto r = read_state_file(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("larger than the limit of 16 MiB"), std::string::npos) << r.error();
  std::filesystem::remove_all(dir);
}

config::Environment env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}

TEST(StateFile, DefaultPlaceIsSystemdsStateDirectoryFirst) {
  EXPECT_EQ(default_state_file(env_of(
                {{"STATE_DIRECTORY", "/var/lib/opsagent:/var/lib/other"}, {"HOME", "/root"}})),
            "/var/lib/opsagent/alerts.json");
  EXPECT_EQ(default_state_file(env_of({{"STATE_DIRECTORY", "/srv/state"}})),
            "/srv/state/alerts.json");
}

TEST(StateFile, DefaultPlaceFallsBackToTheUsersStateHome) {
  if (std::filesystem::exists("/var/lib/opsagent")) {
    GTEST_SKIP() << "/var/lib/opsagent exists here; it would be chosen first";
  }
  const auto dir = temp_dir();
  // The directory is created, so the first write works out of the box.
  EXPECT_EQ(default_state_file(env_of({{"XDG_STATE_HOME", (dir / "xdg").string()}})),
            (dir / "xdg" / "opsagent" / "alerts.json").string());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "xdg" / "opsagent"));
  EXPECT_EQ(default_state_file(env_of({{"HOME", dir.string()}})),
            (dir / ".local" / "state" / "opsagent" / "alerts.json").string());
  EXPECT_TRUE(write_state_file(default_state_file(env_of({{"HOME", dir.string()}})), "{}"));
  // No usable place at all: memory only, said by an empty path.
  EXPECT_EQ(default_state_file(env_of({})), "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace opsagent::alerts
