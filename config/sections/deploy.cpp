// [deploy]: how the app deploys, for the during-deploy budget and the deploy-time warning
// (probes/model/deploy_overlap.hpp). The Railway default of overlap is applied with the other
// environment overrides (config/load.cpp).
#include <array>
#include <string>

#include "config/key_types.hpp"
#include "config/sections/sections.hpp"

namespace opsagent::config {
namespace {

constexpr int kMaxOverlap = 10;

// true (2 deployments side by side), false (1: no overlap) or a number of deployments.
void set_overlap(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  if (const auto* b = value.as_boolean()) {
    c.deploy.overlap = b->get() ? 2 : 1;
    c.deploy.overlap_from_platform = false;
    return;
  }
  const auto* i = value.as_integer();
  if (!i) {
    return report(diag, value, key,
                  "expected true, false or a number of deployments running at once during a "
                  "deploy (1.." +
                      std::to_string(kMaxOverlap) + "), got " + std::string(type_name(value)));
  }
  if (i->get() < 1 || i->get() > kMaxOverlap) {
    return report(diag, value, key,
                  std::to_string(i->get()) + " is out of range; use 1.." +
                      std::to_string(kMaxOverlap) +
                      " deployments running at once during a deploy (true = 2, false = 1)");
  }
  c.deploy.overlap = static_cast<int>(i->get());
  c.deploy.overlap_from_platform = false;
}

bool overlap_differs(const Config& a, const Config& b) {
  return a.deploy.overlap != b.deploy.overlap;
}

constexpr auto kDeploy = &Config::deploy;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"deploy", "overlap", custom<&set_overlap, &overlap_differs>("boolean or integer"), "false",
        Reload::live,
        "whether the old and the new deployment of the app run side by side during a deploy "
        "(zero-downtime deploys): true (2 deployments, each with the declared pools), false (the "
        "old one stops first), or the number of deployments running at once (1..10). Unset: "
        "true on Railway (RAILWAY_DEPLOYMENT_ID or RAILWAY_SERVICE_ID set), false elsewhere"},
    Key{"deploy", "gate", boolean<kDeploy, &DeploySection::gate>(), "false", Reload::live,
        "with overlap: while this deployment is not yet ready, a deploy whose sessions in use "
        "plus this deployment's declared pools exceed the usable slots makes the agent not ready "
        "(pool:deploy fails) instead of only warning"},
};

}  // namespace

std::span<const KeySpec<Config>> deploy_keys() {
  return kKeys;
}

}  // namespace opsagent::config
