#include "probes/model/upstream_model.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

UpstreamStatus status(BreakerState state, int failures) {
  UpstreamStatus u;
  u.name = "soda";
  u.state = state;
  u.consecutive_failures = failures;
  u.failure_threshold = 5;
  u.transition_reason = "5 consecutive failures (last: answered 500, expected 200)";
  u.last = UpstreamProbe{.at = {},
                         .ok = failures == 0,
                         .status = failures == 0 ? 200 : 500,
                         .error = failures == 0 ? ErrorClass::none : ErrorClass::http_status,
                         .message = failures == 0 ? "answered 200" : "answered 500, expected 200",
                         .duration = 12ms};
  return u;
}

TEST(UpstreamCheck, FollowsTheBreaker) {
  const auto closed = upstream_check(status(BreakerState::closed, 0));
  EXPECT_EQ(closed.name, "upstream:soda");
  EXPECT_EQ(closed.status, CheckStatus::pass);
  EXPECT_EQ(closed.error, ErrorClass::none);
  EXPECT_FALSE(closed.gates_readiness);
  EXPECT_EQ(closed.duration, 12ms);

  const auto failing = upstream_check(status(BreakerState::closed, 2));
  EXPECT_EQ(failing.status, CheckStatus::warn);
  EXPECT_EQ(failing.error, ErrorClass::http_status);
  EXPECT_EQ(failing.message,
            "circuit closed; 2 of 5 failures before it opens: answered 500, expected 200");

  EXPECT_EQ(upstream_check(status(BreakerState::half_open, 5)).status, CheckStatus::warn);

  auto open_status = status(BreakerState::open, 5);
  open_status.gates_readiness = true;
  const auto open = upstream_check(open_status);
  EXPECT_EQ(open.status, CheckStatus::fail);
  EXPECT_TRUE(open.gates_readiness);
  EXPECT_EQ(open.message,
            "circuit open: 5 consecutive failures (last: answered 500, expected 200)");
}

TEST(UpstreamCheck, PassesBeforeTheFirstProbe) {
  UpstreamStatus u;
  u.name = "geo";
  const auto c = upstream_check(u);
  EXPECT_EQ(c.status, CheckStatus::pass);
  EXPECT_EQ(c.message, "circuit closed: not probed yet");
}

TEST(UpstreamBoard, FindsByExactName) {
  UpstreamBoard board;
  board.upstreams.push_back(status(BreakerState::closed, 0));
  EXPECT_NE(board.find("soda"), nullptr);
  EXPECT_EQ(board.find("Soda"), nullptr);
  EXPECT_EQ(board.find(""), nullptr);
}

}  // namespace
}  // namespace opsagent::probes
