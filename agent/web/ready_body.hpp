// The /health/ready body, rendered once per snapshot and verdict instead of once per request.
// A healthchecker asks far more often than the probe loop publishes, and rendering the JSON
// was half of the agent's CPU per check; between two snapshots only snapshot_age_ms changes,
// so the rest is kept as text around it. The bytes are exactly render_readiness's (or the
// verdict's), which ready_body_test holds it to.
// Thread-safety: body() may be called from any number of workers at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "agent/web/render_context.hpp"

namespace opsagent::web {

class ReadyBodies {
 public:
  // The body for `ctx` (whose snapshot is `snapshot`): with `details`, to_body(render_readiness)
  // byte for byte; without, the verdict only ({"ready":…,"status":…}).
  std::string body(const std::shared_ptr<const probes::Snapshot>& snapshot,
                   const RenderContext& ctx, bool details) const;

 private:
  // What one snapshot and verdict render to. Holding the snapshot keeps its address from being
  // reused by a later one while the entry is looked up by it.
  struct Rendered {
    std::shared_ptr<const probes::Snapshot> snapshot;
    bool ready = false;
    std::string reason;
    std::string before_age;  // the details body up to snapshot_age_ms's value
    std::string after_age;   // and from just after it (the whole body when there is no age)
    std::string verdict;
  };
  static std::shared_ptr<const Rendered> render(
      const std::shared_ptr<const probes::Snapshot>& snapshot, const RenderContext& ctx);

  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Rendered> latest_;
};

}  // namespace opsagent::web
