#include "agent/web/ready_body.hpp"

#include <chrono>
#include <string_view>

#include "agent/web/json_body.hpp"
#include "agent/web/render_json.hpp"

namespace opsagent::web {

namespace {

// Keys are sorted in the dump, and a quote inside a string value is always escaped, so this is
// found exactly once: where the age's value is.
constexpr std::string_view kAgeKey = "\"snapshot_age_ms\":";

}  // namespace

std::shared_ptr<const ReadyBodies::Rendered> ReadyBodies::render(
    const std::shared_ptr<const probes::Snapshot>& snapshot, const RenderContext& ctx) {
  auto rendered = std::make_shared<Rendered>();
  rendered->snapshot = snapshot;
  rendered->ready = ctx.readiness.ready;
  rendered->reason = ctx.readiness.reason;
  rendered->verdict = to_body(render_verdict(ctx));
  nlohmann::json details = render_readiness(ctx);
  if (ctx.snapshot == nullptr) {
    rendered->after_age = to_body(details);  // no snapshot, no age: the same body every time
    return rendered;
  }
  details["snapshot_age_ms"] = 0;
  const std::string whole = to_body(details);
  const std::size_t key = whole.find(kAgeKey);
  if (key == std::string::npos) return nullptr;  // cannot happen (see kAgeKey): render each time
  const std::size_t value = key + kAgeKey.size();
  rendered->before_age = whole.substr(0, value);
  rendered->after_age = whole.substr(value + 1);  // past the "0"
  return rendered;
}

std::string ReadyBodies::body(const std::shared_ptr<const probes::Snapshot>& snapshot,
                              const RenderContext& ctx, bool details) const {
  std::shared_ptr<const Rendered> rendered;
  {
    std::lock_guard lock(mutex_);
    rendered = latest_;
  }
  if (!rendered || rendered->snapshot != snapshot || rendered->ready != ctx.readiness.ready ||
      rendered->reason != ctx.readiness.reason) {
    rendered = render(snapshot, ctx);
    if (!rendered) return to_body(details ? render_readiness(ctx) : render_verdict(ctx));
    std::lock_guard lock(mutex_);
    latest_ = rendered;
  }
  if (!details) return rendered->verdict;
  if (ctx.snapshot == nullptr) return rendered->after_age;
  const auto age =
      std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now - ctx.snapshot->completed);
  return rendered->before_age + std::to_string(age.count()) + rendered->after_age;
}

}  // namespace opsagent::web
