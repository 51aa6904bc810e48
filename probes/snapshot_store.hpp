// Where the probe loop publishes Snapshots (set) and everyone else reads the latest one (get;
// nullptr until the first cycle completes).
#pragma once

#include "probes/latest.hpp"
#include "probes/snapshot.hpp"

namespace opsagent::probes {
using SnapshotStore = Latest<Snapshot>;
}  // namespace opsagent::probes
