// Shared set-up of the agent integration tests: a config template with short intervals, an
// agent started against a cluster, and the check that no reply and no log line ever carries the
// database password.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/agent_process.hpp"
#include "tests/support/pg_cluster.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::testing {

using namespace std::chrono_literals;

struct AgentTimings {
  std::string interval = "200ms";
  std::string connect_timeout = "1s";
  std::string statement_timeout = "1s";
  std::string fresh_connect_interval = "0s";
  std::string drain = "1s";
};

// The design notes' reference deployment: 4 web workers and 1 cron worker, pools of 20 each
// (4×20 + 1×20 = 100 pooled connections), at the default thresholds.
constexpr const char* kReferencePool = R"(
[pool]
warn = "80%"
critical = "95%"
[[pool.clients]]
name = "web"
application_name = "web:*"
instances = 4
pool_max = 20
[[pool.clients]]
name = "cron"
application_name = "cron"
instances = 1
pool_max = 20
)";

// A config for the agent under test; `readiness` is TOML placed under [readiness].
inline std::string agent_config(const std::string& readiness, const AgentTimings& t = {},
                                const std::string& extra = "") {
  return "[agent]\nlisten = \"127.0.0.1:1\"\ninterval = \"" + t.interval +
         "\"\nstale_after = \"10s\"\ndrain = \"" + t.drain +
         "\"\n[log]\nlevel = \"debug\"\n[database]\nconnect_timeout = \"" + t.connect_timeout +
         "\"\nstatement_timeout = \"" + t.statement_timeout + "\"\nlock_timeout = \"500ms\"\n" +
         "fresh_connect_interval = \"" + t.fresh_connect_interval + "\"\n" + extra +
         "[readiness]\n" + readiness;
}

// The reply's JSON body; an empty object when there is none (agent not up yet, or gone), so
// polling conditions can index it freely.
inline nlohmann::json body_json(const AgentProcess::HttpReply& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

class AgentTest : public ::testing::Test {
 protected:
  // Starts the agent with DATABASE_URL = dsn.
  AgentProcess& start_agent(const std::string& config, const std::string& dsn,
                            std::map<std::string, std::string> env = {}) {
    env.emplace("DATABASE_URL", dsn);
    agent_ = std::make_unique<AgentProcess>(AgentProcess::Options{config, env});
    return *agent_;
  }

  // A GET whose body is remembered for the secret check in TearDown.
  AgentProcess::HttpReply get(const std::string& path, const httplib::Headers& headers = {},
                              const std::string& method = "GET") {
    auto reply = agent_->get(path, headers, method);
    bodies_.push_back(reply.body);
    for (const auto& [k, v] : reply.headers) bodies_.push_back(k + ": " + v);
    return reply;
  }

  // Polls /health/ready until `status`; remembers every body it saw.
  bool wait_ready(int status, std::chrono::milliseconds timeout) {
    return eventually([&] { return get("/health/ready").status == status; }, timeout, 25ms);
  }

  // The latest snapshot's sequence number; -1 before the first cycle or without an agent.
  int snapshot_sequence() {
    auto s = body_json(get("/health"))["snapshot"]["sequence"];
    return s.is_number() ? s.get<int>() : -1;
  }

  // Waits until `cycles` more probe cycles have completed.
  bool wait_for_cycles(int cycles, std::chrono::milliseconds timeout) {
    const int first = snapshot_sequence();
    return eventually([&] { return snapshot_sequence() >= first + cycles; }, timeout);
  }

  // The check `name` as /health reports it now; an empty object when it is not there (yet).
  nlohmann::json health_check(const std::string& name) {
    // A json's operator[] must not be asked for a missing key of a const object: look it up.
    const auto c = body_json(get("/health"))
                       .value(nlohmann::json::json_pointer("/checks/" + name), nlohmann::json{});
    return c.is_array() && !c.empty() ? c[0] : nlohmann::json::object();
  }

  // The entry named `name` of /health's list `list` ("jobs", "queries", ...); an empty object
  // when there is none.
  nlohmann::json health_entry(const std::string& list, const std::string& name) {
    const auto entries = body_json(get("/health")).value(list, nlohmann::json::array());
    for (const auto& e : entries) {
      if (e.value("name", "") == name) return e;
    }
    return nlohmann::json::object();
  }

  // Waits until /health/ready reports the check `name` (it ran at least once).
  bool wait_for_check(const std::string& name, std::chrono::milliseconds timeout) {
    return eventually([&] { return body_json(get("/health/ready"))["checks"].contains(name); },
                      timeout);
  }

  void TearDown() override {
    if (!agent_) return;
    const std::string secret(PgCluster::kAppPassword);
    const std::string log = agent_->log();
    EXPECT_EQ(log.find(secret), std::string::npos) << "the DSN password reached the log";
    for (const auto& b : bodies_) {
      EXPECT_EQ(b.find(secret), std::string::npos) << "the DSN password reached a reply: " << b;
    }
    if (HasFailure()) std::cerr << "---- agent log ----\n" << log << "-------------------\n";
  }

  std::unique_ptr<AgentProcess> agent_;
  std::vector<std::string> bodies_;
};

}  // namespace opsagent::testing
