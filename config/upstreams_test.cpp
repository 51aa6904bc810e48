// [[upstreams]]: a top-level array of tables, its defaults, and its mistakes with file:line:col.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "config/keys.hpp"
#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

TEST(LoadUpstreams, NoneByDefault) {
  EXPECT_TRUE(loaded("").upstreams.empty());
  EXPECT_TRUE(loaded("upstreams = []\n").upstreams.empty());
}

TEST(LoadUpstreams, DefaultsOfAnEntry) {
  const Config c = loaded("[[upstreams]]\nname = \"soda\"\nurl = \"https://data.example.org\"\n");
  ASSERT_EQ(c.upstreams.size(), 1u);
  const Upstream& u = c.upstreams[0];
  EXPECT_EQ(u.name, "soda");
  EXPECT_EQ(u.url, "https://data.example.org/");
  EXPECT_EQ(u.interval, 10s);
  EXPECT_EQ(u.timeout, 5s);
  EXPECT_EQ(u.expect_status, 200);
  EXPECT_EQ(u.failure_threshold, 5);
  EXPECT_EQ(u.recovery_timeout, 60s);
  EXPECT_FALSE(u.gates_readiness);
}

TEST(LoadUpstreams, ReadsEveryKeyBesideTheSections) {
  const Config c = loaded(
      "[agent]\ninterval = \"5s\"\n"
      "[[upstreams]]\nname = \"soda\"\n"
      "url = \"https://data.cityofchicago.org/resource/ydr8-5enu.json?$limit=1\"\n"
      "interval = \"30s\"\ntimeout = \"3s\"\nexpect_status = 204\nfailure_threshold = 3\n"
      "recovery_timeout = \"2m\"\ngates_readiness = true\n"
      "[[upstreams]]\nname = \"geo.v2_x-1\"\nurl = \"http://127.0.0.1:9/x\"\n");
  EXPECT_EQ(c.agent.interval, 5s);  // the [[upstreams]] block did not swallow other keys
  ASSERT_EQ(c.upstreams.size(), 2u);
  EXPECT_EQ(c.upstreams[0],
            (Upstream{.name = "soda",
                      .url = "https://data.cityofchicago.org/resource/ydr8-5enu.json?$limit=1",
                      .interval = 30s,
                      .timeout = 3s,
                      .expect_status = 204,
                      .failure_threshold = 3,
                      .recovery_timeout = 2min,
                      .gates_readiness = true}));
  EXPECT_EQ(c.upstreams[1].name, "geo.v2_x-1");
  EXPECT_EQ(c.upstreams[1].url, "http://127.0.0.1:9/x");
}

TEST(LoadUpstreams, MissingKeysPointAtTheBlock) {
  const ConfigErrors errors = errors_of("\n[[upstreams]]\ninterval = \"5s\"\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 1, "upstreams[0].name", "missing `name`"}));
  EXPECT_TRUE(matches(errors[1], {2, 1, "upstreams[0].url", "missing `url`"}));
}

TEST(LoadUpstreams, NamesMustBeUsableInAPathAndUnique) {
  const auto name_error = [](std::string_view name, std::string_view phrase) {
    expect_single_error(
        "[[upstreams]]\nname = \"" + std::string(name) + "\"\nurl = \"http://h/\"\n",
        {2, 8, "upstreams[0].name", phrase});
  };
  name_error("", "is empty");
  name_error("a/b", "has characters other than letters, digits");
  name_error("a b", "has characters other than letters, digits");
  name_error("caf\xc3\xa9", "has characters other than letters, digits");
  name_error(".", "must start with a letter, a digit or '_'");
  name_error("..", "must start with a letter, a digit or '_'");
  name_error("-x", "must start with a letter, a digit or '_'");
  name_error(std::string(64, 'a'), "is 64 characters long; at most 63");
  EXPECT_EQ(loaded("[[upstreams]]\nname = \"" + std::string(63, 'a') + "\"\nurl = \"http://h/\"\n")
                .upstreams.size(),
            1u);
  expect_single_error(
      "[[upstreams]]\nname = \"soda\"\nurl = \"http://h/\"\n"
      "[[upstreams]]\nname = \"soda\"\nurl = \"http://i/\"\n",
      {5, 8, "upstreams[1].name",
       "upstream name \"soda\" is already used by upstreams[0] (line 2)"});
}

TEST(LoadUpstreams, UrlIsHttpOrHttpsAndNeverEchoed) {
  expect_single_error("[[upstreams]]\nname = \"a\"\nurl = \"ftp://secret-host/x\"\n",
                      {3, 7, "upstreams[0].url", "not a usable upstream URL"});
  const ConfigErrors errors =
      errors_of("[[upstreams]]\nname = \"a\"\nurl = \"https://user:s3cret@h/x?token=abc\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].message.find("s3cret"), std::string::npos) << errors[0].message;
  EXPECT_EQ(errors[0].message.find("abc"), std::string::npos) << errors[0].message;
  expect_single_error("[[upstreams]]\nname = \"a\"\nurl = 80\n",
                      {3, 7, "upstreams[0].url", "expected a string like \"https://"});
}

TEST(LoadUpstreams, RangesAndTypes) {
  const auto key_error = [](std::string_view line, std::string_view key, std::string_view phrase) {
    expect_single_error(
        "[[upstreams]]\nname = \"a\"\nurl = \"http://h/\"\n" + std::string(line) + "\n",
        {4, static_cast<int>(line.find('=') + 3), key, phrase});
  };
  key_error("interval = \"500ms\"", "upstreams[0].interval", "");
  key_error("timeout = \"50ms\"", "upstreams[0].timeout", "");
  key_error("expect_status = 600", "upstreams[0].expect_status", "");
  key_error("failure_threshold = 0", "upstreams[0].failure_threshold", "");
  key_error("recovery_timeout = \"2h\"", "upstreams[0].recovery_timeout", "");
  key_error("gates_readiness = \"yes\"", "upstreams[0].gates_readiness", "");
  key_error("interval = 10", "upstreams[0].interval", "");
}

TEST(LoadUpstreams, TimeoutMustFitTheInterval) {
  expect_single_error(
      "[[upstreams]]\nname = \"a\"\nurl = \"http://h/\"\ninterval = \"2s\"\ntimeout = \"3s\"\n",
      {5, 11, "upstreams[0].timeout",
       "timeout 3s is longer than interval 2s; a probe must end before the next is due"});
  // The default timeout (5s) against a short interval: pointed at the interval.
  expect_single_error("[[upstreams]]\nname = \"a\"\nurl = \"http://h/\"\ninterval = \"2s\"\n",
                      {4, 12, "upstreams[0].timeout", "timeout 5s is longer than interval 2s"});
}

TEST(LoadUpstreams, UnknownKeysAndShapes) {
  expect_single_error("[[upstreams]]\nname = \"a\"\nurl = \"http://h/\"\nthreshold = 5\n",
                      {4, 1, "upstreams[0].threshold", "unknown key"});
  expect_single_error("[upstreams]\nname = \"a\"\n",
                      {1, 1, "upstreams", "write each upstream as a [[upstreams]] block"});
  expect_single_error("[[upstream]]\nname = \"a\"\n",
                      {1, 3, "upstream", "did you mean [[upstreams]]?"});
}

TEST(UpstreamKeyTable, EveryKeyDocumentedAndTheFallbacksAreTheDefaults) {
  std::set<std::string_view> names;
  std::string toml = "[[upstreams]]\nname = \"a\"\nurl = \"http://h/\"\n";
  for (const auto& spec : upstream_keys()) {
    EXPECT_EQ(spec.section, "upstreams");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " declared twice";
    if (!spec.fallback.empty()) {
      toml += std::string(spec.name) + " = " + std::string(spec.fallback) + "\n";
    }
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"name", "url", "interval", "timeout",
                                               "expect_status", "failure_threshold",
                                               "recovery_timeout", "gates_readiness"}));
  const Config c = loaded(toml);
  ASSERT_EQ(c.upstreams.size(), 1u);
  Upstream defaults;
  defaults.name = "a";
  defaults.url = "http://h/";
  EXPECT_EQ(c.upstreams[0], defaults);
}

}  // namespace
}  // namespace opsagent::config
