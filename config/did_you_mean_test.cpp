// The "did you mean" hints: edit distance and the closest candidate.
#include "config/did_you_mean.hpp"

#include <gtest/gtest.h>

#include <array>

namespace opsagent::config {
namespace {

TEST(Closest, FindsWithinTwoEdits) {
  const std::array<std::string_view, 3> keys{"interval", "stale_after", "drain"};
  EXPECT_EQ(closest("intervl", keys), "interval");
  EXPECT_EQ(closest("stale-after", keys), "stale_after");
  EXPECT_EQ(closest("drian", keys), "drain");  // transposition = 2 edits
  EXPECT_EQ(closest("listen", keys), std::nullopt);
  EXPECT_EQ(closest("x", keys), std::nullopt);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Closest, FoldedIgnoresCase) {
  const std::array<std::string_view, 2> types{"slack", "exec"};
  EXPECT_EQ(closest_folded("SLACK", types), "slack");
  EXPECT_EQ(closest_folded("Exce", types), "exec");
  EXPECT_EQ(closest_folded("webhook", types), std::nullopt);
}

}  // namespace
}  // namespace opsagent::config
