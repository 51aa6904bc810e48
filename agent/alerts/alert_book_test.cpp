#include "agent/alerts/alert_book.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/rate_limit.hpp"

namespace opsagent::alerts {
namespace {

using namespace std::chrono_literals;

const WallClock::time_point kT0 = WallClock::time_point(std::chrono::hours(500000));

config::AlertsSection settings() {
  config::AlertsSection s;
  s.pending = 30s;
  s.keep_firing = 60s;
  s.repeat = 1h;
  return s;
}

Finding saturation(Severity severity) {
  Finding f;
  f.rule = std::string(kRulePoolSaturation);
  f.labels = {{"alertname", "PostgresPoolSaturation"}, {"database", "db"}};
  f.severity = severity;
  f.summary = "Postgres connections at 90%";
  return f;
}

RuleOutcome with(std::vector<Finding> findings) {
  return RuleOutcome{.findings = std::move(findings), .unknown_rules = {}};
}

std::vector<NotificationKind> kinds(const std::vector<Notification>& ns) {
  std::vector<NotificationKind> out;
  out.reserve(ns.size());
  for (const auto& n : ns) out.push_back(n.kind);
  return out;
}

using K = NotificationKind;

// "resolved … at 87% (84/97)" when 11/97 were in use misled the on-call: a resolve says the
// numbers at resolve time, and how bad the incident got.
TEST(AlertBook, ResolveSaysTheNumbersNowAndThePeak) {
  AlertBook book;
  auto s = settings();
  s.pending = 0s;
  auto at = [](double u, std::string summary) {
    Finding f = saturation(Severity::warning);
    f.measure = u;
    f.summary = std::move(summary);
    return f;
  };
  ASSERT_EQ(kinds(book.update(with({at(0.82, "Postgres connections at 82% (80/97)")}), kT0, s, "")),
            std::vector{K::firing});
  book.update(with({at(0.93, "Postgres connections at 93% (90/97)")}), kT0 + 10s, s, "");
  book.update(with({at(0.87, "Postgres connections at 87% (84/97)")}), kT0 + 20s, s, "");
  RuleOutcome calm = with({});
  calm.now = "ready; 11/97 usable connection slots in use (11.3%)";
  book.update(calm, kT0 + 30s, s, "");
  auto resolved = book.update(calm, kT0 + 90s, s, "");
  ASSERT_EQ(kinds(resolved), std::vector{K::resolved});
  const auto& a = resolved[0].alert;
  EXPECT_EQ(a.summary,
            "resolved: now ready; 11/97 usable connection slots in use (11.3%); peak: Postgres "
            "connections at 93% (90/97)");
  EXPECT_EQ(a.summary.find("87%"), std::string::npos);
  EXPECT_EQ(a.details,
            (std::vector<std::string>{"now: ready; 11/97 usable connection slots in use (11.3%)",
                                      "peak: Postgres connections at 93% (90/97)"}));
}

TEST(AlertBook, FiresOnlyAfterPendingAndResolvesOnlyAfterKeepFiring) {
  AlertBook book;
  const auto s = settings();
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0, s, "").empty());
  EXPECT_TRUE(book.active(kRulePoolSaturation));
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 29s, s, "").empty());
  auto fired = book.update(with({saturation(Severity::warning)}), kT0 + 30s, s, "https://rb");
  ASSERT_EQ(kinds(fired), std::vector{K::firing});
  EXPECT_EQ(fired[0].alert.runbook_url, "https://rb");
  EXPECT_EQ(fired[0].alert.starts_at, kT0 + 30s);
  EXPECT_FALSE(fired[0].alert.resolved());

  EXPECT_TRUE(book.update(with({}), kT0 + 40s, s, "").empty());  // gone: keep firing
  EXPECT_TRUE(book.update(with({}), kT0 + 99s, s, "").empty());
  auto resolved = book.update(with({}), kT0 + 100s, s, "");
  ASSERT_EQ(kinds(resolved), std::vector{K::resolved});
  EXPECT_EQ(resolved[0].alert.ends_at, kT0 + 100s);
  EXPECT_EQ(resolved[0].alert.fingerprint, fired[0].alert.fingerprint);
  EXPECT_NE(resolved[0].id, fired[0].id);
  EXPECT_FALSE(book.active(kRulePoolSaturation));
}

TEST(AlertBook, APendingFindingThatGoesAwaySendsNothing) {
  AlertBook book;
  const auto s = settings();
  book.update(with({saturation(Severity::warning)}), kT0, s, "");
  EXPECT_TRUE(book.update(with({}), kT0 + 10s, s, "").empty());
  EXPECT_FALSE(book.active(kRulePoolSaturation));
  // Back again: pending starts over.
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 20s, s, "").empty());
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 45s, s, "").empty());
}

TEST(AlertBook, FlappingWithinKeepFiringSendsNothingNew) {
  AlertBook book;
  auto s = settings();
  s.pending = 0s;
  ASSERT_EQ(book.update(with({saturation(Severity::warning)}), kT0, s, "").size(), 1u);
  for (int i = 1; i < 20; ++i) {
    const auto findings =
        i % 2 ? std::vector<Finding>{} : std::vector<Finding>{saturation(Severity::warning)};
    EXPECT_TRUE(book.update(with(findings), kT0 + i * 10s, s, "").empty()) << i;
  }
}

TEST(AlertBook, SeverityChangesUpdateTheSameAlertOnceTheyHold) {
  AlertBook book;
  const auto s = settings();
  book.update(with({saturation(Severity::warning)}), kT0, s, "");
  const auto fired = book.update(with({saturation(Severity::warning)}), kT0 + 30s, s, "");
  ASSERT_EQ(fired.size(), 1u);
  // Critical for less than `pending`, then back: nothing.
  EXPECT_TRUE(book.update(with({saturation(Severity::critical)}), kT0 + 40s, s, "").empty());
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 50s, s, "").empty());
  // Critical long enough: escalated, same fingerprint, previous severity noted.
  EXPECT_TRUE(book.update(with({saturation(Severity::critical)}), kT0 + 60s, s, "").empty());
  auto up = book.update(with({saturation(Severity::critical)}), kT0 + 90s, s, "");
  ASSERT_EQ(kinds(up), std::vector{K::escalated});
  EXPECT_EQ(up[0].alert.severity, Severity::critical);
  EXPECT_EQ(up[0].previous_severity, Severity::warning);
  EXPECT_EQ(up[0].alert.fingerprint, fired[0].alert.fingerprint);
  EXPECT_EQ(up[0].alert.starts_at, fired[0].alert.starts_at);
  // Down again takes keep_firing.
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 100s, s, "").empty());
  auto down = book.update(with({saturation(Severity::warning)}), kT0 + 160s, s, "");
  ASSERT_EQ(kinds(down), std::vector{K::deescalated});
  EXPECT_EQ(down[0].previous_severity, Severity::critical);
}

TEST(AlertBook, RemindsEveryRepeatWhileFiring) {
  AlertBook book;
  auto s = settings();
  s.pending = 0s;
  s.repeat = 10min;
  book.update(with({saturation(Severity::warning)}), kT0, s, "");
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 9min, s, "").empty());
  EXPECT_EQ(kinds(book.update(with({saturation(Severity::warning)}), kT0 + 10min, s, "")),
            std::vector{K::reminder});
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 11min, s, "").empty());
  s.repeat = 0s;
  EXPECT_TRUE(book.update(with({saturation(Severity::warning)}), kT0 + 5h, s, "").empty());
}

TEST(AlertBook, UnknownRulesAreFrozenNotResolved) {
  AlertBook book;
  auto s = settings();
  s.pending = 0s;
  s.keep_firing = 0s;
  book.update(with({saturation(Severity::critical)}), kT0, s, "");
  RuleOutcome unreachable;
  unreachable.unknown_rules.insert(std::string(kRulePoolSaturation));
  EXPECT_TRUE(book.update(unreachable, kT0 + 1h, s, "").empty());
  EXPECT_EQ(book.firing().size(), 1u);
  EXPECT_EQ(kinds(book.update(with({}), kT0 + 2h, s, "")), std::vector{K::resolved});
}

TEST(AlertBook, AnnounceListsFiringAlertsOnly) {
  AlertBook book;
  auto s = settings();
  auto other = saturation(Severity::warning);
  other.rule = std::string(kRuleLockWaits);
  other.labels["alertname"] = "PostgresLockWaits";
  book.update(with({saturation(Severity::warning), other}), kT0, s, "");
  EXPECT_TRUE(book.announce(kT0).empty());  // both pending
  s.pending = 0s;
  book.update(with({saturation(Severity::warning), other}), kT0 + 1s, s, "");
  EXPECT_EQ(book.announce(kT0 + 2s).size(), 2u);
}

TEST(AlertBook, RestoredFiringAlertResolvesWithoutFiringAgain) {
  AlertBook first;
  auto s = settings();
  s.pending = 0s;
  first.update(with({saturation(Severity::warning)}), kT0, s, "");
  AlertBook second;
  second.restore(first.tracked());
  EXPECT_TRUE(second.update(with({saturation(Severity::warning)}), kT0 + 1s, s, "").empty());
  EXPECT_TRUE(second.update(with({}), kT0 + 2s, s, "").empty());
  EXPECT_EQ(kinds(second.update(with({}), kT0 + 62s, s, "")), std::vector{K::resolved});
}

TEST(RateLimit, HoldsBackBeyondTheLimitAndSummarisesLater) {
  RateLimit limit;
  EXPECT_TRUE(limit.allow(kT0, 2));
  EXPECT_TRUE(limit.allow(kT0 + 1s, 2));
  EXPECT_FALSE(limit.allow(kT0 + 2s, 2));
  limit.suppress();
  limit.suppress();
  EXPECT_EQ(limit.take_summary(kT0 + 3s, 2), 0);  // no room yet
  EXPECT_EQ(limit.take_summary(kT0 + 1h, 2), 2);  // the first has left the window
  EXPECT_EQ(limit.suppressed(), 0);
  const auto summary = suppressed_summary(2, 2, kT0, "db");
  EXPECT_EQ(summary.kind, K::suppressed);
  EXPECT_EQ(summary.suppressed_count, 2);
  EXPECT_NE(summary.alert.summary.find("2 more notifications were suppressed"), std::string::npos);
}

}  // namespace
}  // namespace opsagent::alerts
