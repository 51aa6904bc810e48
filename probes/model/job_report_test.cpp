// judge_job: stale, failing, unread and fresh jobs, and ages that keep counting after the read.
#include "probes/model/job_report.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

config::JobWatch nightly() {
  config::JobWatch w;
  w.name = "nightly";
  w.job_name = "sync_permits";
  w.max_age = 26h;
  w.max_failures = 1;
  return w;
}

JobReport read_at(SteadyClock::time_point t) {
  JobReport r;
  r.name = "nightly";
  r.job_name = "sync_permits";
  r.read_at = t;
  r.last_success_age = 5h;
  r.last_status = "success";
  return r;
}

const SteadyClock::time_point kRead = SteadyClock::time_point{} + 1000h;

TEST(JudgeJob, FreshPassesAndSaysHowOld) {
  const auto c = judge_job(read_at(kRead), nightly(), kRead);
  EXPECT_EQ(c.name, "job:nightly");
  EXPECT_EQ(c.status, CheckStatus::pass);
  EXPECT_EQ(c.error, ErrorClass::none);
  EXPECT_FALSE(c.gates_readiness);
  EXPECT_EQ(c.observed_value, 5.0 * 3600);
  EXPECT_NE(c.message.find("last success 5h00m ago (max_age 26h)"), std::string::npos) << c.message;
}

TEST(JudgeJob, AgesKeepCountingBetweenReadsUntilStale) {
  const auto r = read_at(kRead);
  EXPECT_EQ(judge_job(r, nightly(), kRead + 21h).status, CheckStatus::pass);
  const auto c = judge_job(r, nightly(), kRead + 21h + 1s);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_EQ(c.error, ErrorClass::job_stale);
  EXPECT_EQ(r.success_age_at(kRead + 1h), 6h);
}

TEST(JudgeJob, NoSuccessEverIsStale) {
  auto r = read_at(kRead);
  r.last_success_age.reset();
  const auto c = judge_job(r, nightly(), kRead);
  EXPECT_EQ(c.error, ErrorClass::job_stale);
  EXPECT_NE(c.message.find("no successful run of \"sync_permits\" in cron_log"), std::string::npos)
      << c.message;
}

TEST(JudgeJob, MoreFailuresThanAllowedIsFailingWithTheLastError) {
  auto r = read_at(kRead);
  r.failures_in_window = 1;
  EXPECT_EQ(judge_job(r, nightly(), kRead).status, CheckStatus::pass);  // max_failures 1
  r.failures_in_window = 2;
  r.last_status = "failed";
  r.last_error = "SMTP 451";
  const auto c = judge_job(r, nightly(), kRead);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_EQ(c.error, ErrorClass::job_failing);
  EXPECT_NE(c.message.find("2 failed in the last 24h (max_failures 1); last error: SMTP 451"),
            std::string::npos)
      << c.message;
}

TEST(JudgeJob, GatingMakesProblemsFailures) {
  auto w = nightly();
  w.gates_readiness = true;
  auto r = read_at(kRead);
  r.last_success_age = 30h;
  const auto c = judge_job(r, w, kRead);
  EXPECT_EQ(c.status, CheckStatus::fail);
  EXPECT_TRUE(c.gates_readiness);
}

TEST(JudgeJob, AnUnreadTableIsAWarningNamingIt) {
  auto r = read_at(kRead);
  r.read_error = "relation \"cron_log\" does not exist";
  r.read_error_class = ErrorClass::query_error;
  const auto c = judge_job(r, nightly(), kRead);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_EQ(c.error, ErrorClass::query_error);
  EXPECT_NE(c.message.find("cannot read the runs of \"sync_permits\" from cron_log"),
            std::string::npos)
      << c.message;
}

TEST(JobReport, RunningAndAverageDuration) {
  auto r = read_at(kRead);
  EXPECT_FALSE(r.running_for_at(kRead).has_value());
  EXPECT_FALSE(r.average_duration().has_value());
  r.running_for = 10min;
  r.last_durations = {60s, 62s, 58s};
  EXPECT_EQ(r.running_for_at(kRead + 1min), 11min);
  EXPECT_EQ(r.average_duration(), 60s);
  const auto c = judge_job(r, nightly(), kRead + 1min);
  EXPECT_NE(c.message.find("running for 11m00s"), std::string::npos) << c.message;
}

}  // namespace
}  // namespace opsagent::probes
