#include "common/process/exec_command.hpp"

#include <sys/wait.h>

#include <atomic>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

#include "common/clock.hpp"

namespace opsagent::common {
namespace {

using namespace std::chrono_literals;

// Supervise mode reaps every child with waitpid(-1): the status reaches the runner anyway when
// the reaper hands it over. Which side reaps first is a race; the outcome must not depend on it.
TEST(ExecCommand, ExitStatusSurvivesAReaperElsewhere) {
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> done{false};
    std::atomic<int> claimed{0};
    std::thread reaper([&] {
      const auto until = SteadyClock::now() + 10s;
      while (!done && SteadyClock::now() < until) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);  // blocks while a child runs
        if (pid > 0) {
          if (claim_reaped_command(pid, status)) ++claimed;
        } else {
          std::this_thread::sleep_for(1ms);  // no child yet (ECHILD): look again
        }
      }
    });
    const auto outcome = run_command_with_input({"/bin/sh", "-c", "sleep 0.2; exit 7"},
                                                {"PATH=/usr/bin:/bin"}, "", 5s);
    done = true;
    reaper.join();
    EXPECT_EQ(outcome.kind, CommandOutcome::Kind::exited) << "round " << round;
    EXPECT_EQ(outcome.exit_code, 7) << "round " << round;
    std::cerr << "round " << round << ": reaped " << (claimed ? "elsewhere" : "by the runner")
              << "\n";
  }
}

}  // namespace
}  // namespace opsagent::common
