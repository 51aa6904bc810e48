#include "agent/web/ready_body.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "agent/web/render_json.hpp"
#include "probes/model/test_snapshots.hpp"

namespace opsagent::web {
namespace {

using namespace std::chrono_literals;
using probes::CheckStatus;
using probes::ErrorClass;
using probes::testing::make_check;
using probes::testing::snapshot_of;

std::shared_ptr<const probes::Snapshot> published(std::vector<probes::CheckResult> checks,
                                                  SteadyClock::time_point completed) {
  return std::make_shared<const probes::Snapshot>(snapshot_of(completed, std::move(checks)));
}

RenderContext context(const std::shared_ptr<const probes::Snapshot>& snapshot,
                      SteadyClock::time_point now, bool draining = false) {
  RenderContext ctx;
  ctx.snapshot = snapshot.get();
  ctx.now = now;
  ctx.draining = draining;
  ctx.readiness = evaluate_readiness(ctx.snapshot, now, 15s, draining);
  return ctx;
}

// What the endpoint sent before the bodies were kept: rendered from scratch.
std::string fresh(const RenderContext& ctx, bool details) {
  return to_body(details ? render_readiness(ctx) : render_verdict(ctx));
}

TEST(ReadyBodiesTest, SameBytesAsRenderingEachTime_TheAgeFollowsTheClock) {
  const auto t0 = SteadyClock::now();
  const auto snapshot = published({make_check("postgres:connection", CheckStatus::pass),
                                   make_check("schema:tables", CheckStatus::pass)},
                                  t0);
  ReadyBodies bodies;
  for (auto later : {250ms, 1250ms, 999'999ms}) {
    const RenderContext ctx = context(snapshot, t0 + later);
    EXPECT_EQ(bodies.body(snapshot, ctx, true), fresh(ctx, true));
    EXPECT_EQ(bodies.body(snapshot, ctx, false), fresh(ctx, false));
  }
  EXPECT_NE(bodies.body(snapshot, context(snapshot, t0 + 1ms), true),
            bodies.body(snapshot, context(snapshot, t0 + 2ms), true));
}

TEST(ReadyBodiesTest, HostileCheckNamesAndMessagesCannotMoveTheAge) {
  const auto t0 = SteadyClock::now();
  auto failing = make_check("schema:tables\",\"snapshot_age_ms\":0,\"x", CheckStatus::fail,
                            "missing \"snapshot_age_ms\":0 \xff\xfe", ErrorClass::missing_tables);
  failing.missing = {"\"snapshot_age_ms\":0", "permits"};
  const auto snapshot =
      published({make_check("\"snapshot_age_ms\":", CheckStatus::pass), failing}, t0);
  ReadyBodies bodies;
  for (auto later : {3ms, 4567ms}) {
    const RenderContext ctx = context(snapshot, t0 + later);
    EXPECT_EQ(bodies.body(snapshot, ctx, true), fresh(ctx, true));
    EXPECT_EQ(bodies.body(snapshot, ctx, false), fresh(ctx, false));
  }
}

TEST(ReadyBodiesTest, BeforeTheFirstCycle) {
  ReadyBodies bodies;
  const RenderContext ctx = context(nullptr, SteadyClock::now());
  EXPECT_EQ(bodies.body(nullptr, ctx, true), fresh(ctx, true));
  EXPECT_EQ(bodies.body(nullptr, ctx, false), fresh(ctx, false));
}

TEST(ReadyBodiesTest, ANewSnapshotOrVerdictIsRenderedAfresh) {
  const auto t0 = SteadyClock::now();
  const auto ready = published({make_check("schema:tables", CheckStatus::pass)}, t0);
  const auto failing = published({make_check("schema:tables", CheckStatus::fail, "missing: permits",
                                             ErrorClass::missing_tables)},
                                 t0 + 1s);
  ReadyBodies bodies;
  const RenderContext first = context(ready, t0 + 2s);
  const RenderContext second = context(failing, t0 + 2s);
  const RenderContext draining = context(failing, t0 + 2s, true);
  const RenderContext stalled = context(failing, t0 + 1min);
  for (const auto* ctx : {&first, &second, &draining, &stalled, &first}) {
    const auto& snapshot = ctx->snapshot == ready.get() ? ready : failing;
    EXPECT_EQ(bodies.body(snapshot, *ctx, true), fresh(*ctx, true));
    EXPECT_EQ(bodies.body(snapshot, *ctx, false), fresh(*ctx, false));
  }
}

// Workers ask at once while the snapshot changes under them: every answer is the right one.
TEST(ReadyBodiesTest, ConcurrentWorkersAcrossSnapshots) {
  const auto t0 = SteadyClock::now();
  std::vector<std::shared_ptr<const probes::Snapshot>> snapshots;
  snapshots.reserve(4);
  for (int i = 0; i < 4; ++i) {
    snapshots.push_back(published({make_check("check" + std::to_string(i),
                                              i % 2 == 0 ? CheckStatus::pass : CheckStatus::fail)},
                                  t0));
  }
  ReadyBodies bodies;
  std::atomic<int> wrong{0};
  std::vector<std::thread> workers;
  workers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < 500; ++i) {
        const auto& snapshot = snapshots[static_cast<std::size_t>((i + w) % 4)];
        const RenderContext ctx = context(snapshot, t0 + std::chrono::milliseconds(i));
        if (bodies.body(snapshot, ctx, (i & 1) == 0) != fresh(ctx, (i & 1) == 0)) ++wrong;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace opsagent::web
