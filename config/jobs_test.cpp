// [[jobs]]: a top-level array of tables, its defaults (the reference app's cron_log), and its
// mistakes with file:line:col.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "config/keys.hpp"
#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kNightly =
    "[[jobs]]\nname = \"nightly\"\njob_name = \"sync_permits\"\nmax_age = \"26h\"\n";

TEST(LoadJobs, NoneByDefault) {
  EXPECT_TRUE(loaded("").jobs.empty());
  EXPECT_TRUE(loaded("jobs = []\n").jobs.empty());
}

TEST(LoadJobs, DefaultsAreTheReferenceAppsCronLog) {
  const Config c = loaded(kNightly);
  ASSERT_EQ(c.jobs.size(), 1u);
  const JobWatch& j = c.jobs[0];
  EXPECT_EQ(j.name, "nightly");
  EXPECT_EQ(j.job_name, "sync_permits");
  EXPECT_EQ(j.max_age, 26h);
  EXPECT_EQ(j.table.display(), "cron_log");
  EXPECT_EQ(j.max_failures, 0);
  EXPECT_EQ(j.window, 24h);
  EXPECT_EQ(j.interval, 1min);
  EXPECT_FALSE(j.gates_readiness);
  EXPECT_EQ(j.job_name_column, "job_name");
  EXPECT_EQ(j.status_column, "status");
  EXPECT_EQ(j.started_column, "started_at");
  EXPECT_EQ(j.finished_column, "finished_at");
  EXPECT_EQ(j.error_column, "error_message");
  EXPECT_EQ(j.success_value, "success");
  EXPECT_EQ(j.failed_value, "failed");
}

TEST(LoadJobs, EveryKeyAndOtherTables) {
  const Config c = loaded(
      "[agent]\ninterval = \"5s\"\n"
      "[[jobs]]\nname = \"digest\"\njob_name = \"send digest\"\nmax_age = \"2h\"\n"
      "table = \"ops.runs\"\nmax_failures = 3\nwindow = \"6h\"\ninterval = \"30s\"\n"
      "gates_readiness = true\njob_name_column = \"task\"\nstatus_column = \"outcome\"\n"
      "started_column = \"began\"\nfinished_column = \"ended\"\nerror_column = \"why\"\n"
      "success_value = \"ok\"\nfailed_value = \"error\"\n" +
      std::string(kNightly));
  EXPECT_EQ(c.agent.interval, 5s);  // the [[jobs]] blocks did not swallow other keys
  ASSERT_EQ(c.jobs.size(), 2u);
  const JobWatch& j = c.jobs[0];
  EXPECT_EQ(j.job_name, "send digest");
  EXPECT_EQ(j.table.display(), "ops.runs");
  EXPECT_EQ(j.max_failures, 3);
  EXPECT_EQ(j.window, 6h);
  EXPECT_EQ(j.interval, 30s);
  EXPECT_TRUE(j.gates_readiness);
  EXPECT_EQ(j.job_name_column, "task");
  EXPECT_EQ(j.status_column, "outcome");
  EXPECT_EQ(j.started_column, "began");
  EXPECT_EQ(j.finished_column, "ended");
  EXPECT_EQ(j.error_column, "why");
  EXPECT_EQ(j.success_value, "ok");
  EXPECT_EQ(j.failed_value, "error");
  EXPECT_EQ(c.jobs[1].name, "nightly");
}

TEST(LoadJobs, MissingKeysPointAtTheBlock) {
  const ConfigErrors errors = errors_of("\n[[jobs]]\ninterval = \"5s\"\n");
  ASSERT_EQ(errors.size(), 3u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 1, "jobs[0].name", "missing `name`"}));
  EXPECT_TRUE(matches(errors[1], {2, 1, "jobs[0].job_name", "missing `job_name`"}));
  EXPECT_TRUE(matches(errors[2], {2, 1, "jobs[0].max_age", "missing `max_age`"}));
}

TEST(LoadJobs, NamesAreUnique) {
  expect_single_error(std::string(kNightly) + std::string(kNightly),
                      {6, 8, "jobs[1].name", "is already used by jobs[0] (line 2)"});
}

TEST(LoadJobs, ColumnsAreIdentifiersAndValuesPrintable) {
  const auto key_error = [](std::string_view line, std::string_view key, std::string_view phrase) {
    expect_single_error(std::string(kNightly) + std::string(line) + "\n",
                        {5, static_cast<int>(line.find('=') + 3), key, phrase});
  };
  key_error("status_column = \"status; DROP TABLE x\"", "jobs[0].status_column",
            "is not a column name");
  key_error("started_column = \"\"", "jobs[0].started_column", "is not a column name");
  key_error("success_value = \"\"", "jobs[0].success_value", "1..200 printable characters");
  key_error("failed_value = \"a\\u0007b\"", "jobs[0].failed_value", "1..200 printable");
  key_error("table = \"a.b.c\"", "jobs[0].table", "");
  key_error("interval = \"500ms\"", "jobs[0].interval", "");
  key_error("max_failures = -1", "jobs[0].max_failures", "");
  key_error("gates_readiness = 1", "jobs[0].gates_readiness", "");
}

TEST(LoadJobs, MaxAgeIsAtLeastAMinute) {
  expect_single_error("[[jobs]]\nname = \"a\"\njob_name = \"b\"\nmax_age = \"10s\"\n",
                      {4, 11, "jobs[0].max_age", ""});
}

TEST(LoadJobs, TheWindowIsNoShorterThanTheInterval) {
  expect_single_error(std::string(kNightly) + "window = \"1h\"\ninterval = \"2h\"\n",
                      {1, 1, "jobs[0].window", "must not be shorter than `interval`"});
}

TEST(LoadJobs, UnknownKeysAndShapes) {
  expect_single_error(std::string(kNightly) + "max_fail = 2\n",
                      {5, 1, "jobs[0].max_fail", "unknown key"});
  expect_single_error("[jobs]\nname = \"a\"\n",
                      {1, 1, "jobs", "write each job as a [[jobs]] block"});
  expect_single_error("[[job]]\nname = \"a\"\n", {1, 3, "job", "did you mean [[jobs]]?"});
}

TEST(JobKeyTable, EveryKeyDocumentedAndTheFallbacksAreTheDefaults) {
  std::set<std::string_view> names;
  std::string toml(kNightly);
  for (const auto& spec : job_keys()) {
    EXPECT_EQ(spec.section, "jobs");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " declared twice";
    if (!spec.fallback.empty()) {
      toml += std::string(spec.name) + " = " + std::string(spec.fallback) + "\n";
    }
  }
  EXPECT_EQ(names.size(), 15u);
  const Config c = loaded(toml);
  ASSERT_EQ(c.jobs.size(), 1u);
  EXPECT_EQ(c.jobs[0], loaded(kNightly).jobs[0]);
}

}  // namespace
}  // namespace opsagent::config
