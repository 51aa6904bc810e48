// Where the probe loop publishes Snapshots (set) and everyone else reads the latest one (get;
// nullptr until the first cycle completes).
#pragma once

#include "common/latest.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::probes {
using SnapshotStore = common::Latest<Snapshot>;
}  // namespace opsagent::probes
