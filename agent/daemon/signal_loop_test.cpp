#include "agent/daemon/signal_loop.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <vector>

namespace opsagent::daemon {
namespace {

TEST(SignalLoop, WhileServing) {
  EXPECT_EQ(action_while_serving(SIGHUP), SignalAction::reload);
  EXPECT_EQ(action_while_serving(SIGTERM), SignalAction::shut_down);
  EXPECT_EQ(action_while_serving(SIGINT), SignalAction::shut_down);
  EXPECT_EQ(action_while_serving(SIGCHLD), SignalAction::reap_children);
  EXPECT_EQ(action_while_serving(0), SignalAction::none);  // the once-a-second timeout
  EXPECT_EQ(action_while_serving(SIGUSR1), SignalAction::none);
}

TEST(SignalLoop, WhileDrainingOnlyASecondInterruptSkipsTheRest) {
  EXPECT_EQ(action_while_draining(SIGINT), SignalAction::shut_down);
  EXPECT_EQ(action_while_draining(SIGTERM), SignalAction::none);  // a platform repeating itself
  EXPECT_EQ(action_while_draining(SIGHUP), SignalAction::none);   // no reload while stopping
  EXPECT_EQ(action_while_draining(SIGCHLD), SignalAction::reap_children);
  EXPECT_EQ(action_while_draining(0), SignalAction::none);
}

// The waiting itself, with real signals: blocked in this thread, raised to it, then taken.
class HandledSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pthread_sigmask(SIG_SETMASK, nullptr, &saved_);
    signals_.block();
  }
  void TearDown() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

  HandledSignals signals_;
  sigset_t saved_{};
};

TEST_F(HandledSignalsTest, APendingSignalIsTakenAtOnce) {
  ASSERT_EQ(raise(SIGHUP), 0);  // blocked: stays pending instead of ending the test
  EXPECT_EQ(signals_.next(std::chrono::seconds(5)), SIGHUP);
  EXPECT_EQ(signals_.next(std::chrono::milliseconds(0)), 0);  // taken once
}

TEST_F(HandledSignalsTest, NoSignalIsATimeout) {
  EXPECT_EQ(signals_.next(std::chrono::milliseconds(1)), 0);
}

TEST_F(HandledSignalsTest, WaitPassesSignalsOnUntilTheHandlerIsDone) {
  ASSERT_EQ(raise(SIGCHLD), 0);
  ASSERT_EQ(raise(SIGHUP), 0);
  std::vector<int> seen;
  signals_.wait(std::chrono::seconds(5), [&](int sig) {
    seen.push_back(sig);
    return seen.size() == 2;
  });
  std::ranges::sort(seen);  // the order of two pending signals is the kernel's choice
  EXPECT_EQ(seen, (std::vector<int>{SIGHUP, SIGCHLD}));
}

TEST_F(HandledSignalsTest, WaitEndsAtItsTimeoutWithoutSignals) {
  int calls = 0;
  signals_.wait(std::chrono::milliseconds(1), [&](int) { return ++calls > 0; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace opsagent::daemon
