#include "standin/netstack/neighbor_cache.h"

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

const MacAddress kMacA({0x02, 0, 0, 0, 0, 0x0a});
const MacAddress kMacB({0x02, 0, 0, 0, 0, 0x0b});
const absl::Time kT0 = absl::UnixEpoch();
const absl::Duration kLife = absl::Seconds(60);

TEST(NeighborCacheTest, LearnedEntriesAreFoundUntilTheyExpire) {
  NeighborCache cache;
  EXPECT_EQ(cache.Lookup("192.0.2.1", kT0), nullptr);
  cache.Learn("192.0.2.1", kMacA, kT0, kLife);
  ASSERT_NE(cache.Lookup("192.0.2.1", kT0 + kLife - absl::Nanoseconds(1)),
            nullptr);
  EXPECT_EQ(*cache.Lookup("192.0.2.1", kT0), kMacA);
  EXPECT_EQ(cache.Lookup("192.0.2.1", kT0 + kLife), nullptr);
}

TEST(NeighborCacheTest, LearningAgainRefreshesAndMoves) {
  NeighborCache cache;
  cache.Learn("192.0.2.1", kMacA, kT0, kLife);
  cache.Learn("192.0.2.1", kMacB, kT0 + absl::Seconds(30), kLife);
  const MacAddress* mac = cache.Lookup("192.0.2.1", kT0 + absl::Seconds(80));
  ASSERT_NE(mac, nullptr);
  EXPECT_EQ(*mac, kMacB);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(NeighborCacheTest, PermanentEntriesNeverExpireAndIgnoreLearning) {
  NeighborCache cache;
  cache.SetPermanent("192.0.2.1", kMacA);
  cache.Learn("192.0.2.1", kMacB, kT0, kLife);
  const MacAddress* mac =
      cache.Lookup("192.0.2.1", kT0 + absl::Hours(24 * 365 * 100));
  ASSERT_NE(mac, nullptr);
  EXPECT_EQ(*mac, kMacA);
  cache.SetPermanent("192.0.2.1", kMacB);  // the user may change it
  EXPECT_EQ(*cache.Lookup("192.0.2.1", kT0), kMacB);
}

TEST(NeighborCacheTest, AFullCacheForgetsExpiredEntriesFirst) {
  NeighborCache cache(2);
  cache.Learn("192.0.2.1", kMacA, kT0, absl::Seconds(10));
  cache.Learn("192.0.2.2", kMacA, kT0, absl::Seconds(100));
  cache.Learn("192.0.2.3", kMacB, kT0 + absl::Seconds(20), kLife);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.Lookup("192.0.2.2", kT0), nullptr);
  EXPECT_NE(cache.Lookup("192.0.2.3", kT0), nullptr);
}

TEST(NeighborCacheTest, AFullCacheEvictsTheLearnedEntryClosestToExpiry) {
  NeighborCache cache(3);
  cache.SetPermanent("192.0.2.9", kMacA);
  cache.Learn("192.0.2.1", kMacA, kT0, absl::Seconds(50));
  cache.Learn("192.0.2.2", kMacA, kT0, absl::Seconds(40));
  cache.Learn("192.0.2.3", kMacB, kT0, kLife);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Lookup("192.0.2.2", kT0), nullptr);
  EXPECT_NE(cache.Lookup("192.0.2.1", kT0), nullptr);
  EXPECT_NE(cache.Lookup("192.0.2.9", kT0), nullptr);
}

TEST(NeighborCacheTest, ACacheFullOfPermanentEntriesLearnsNothing) {
  NeighborCache cache(1);
  cache.SetPermanent("192.0.2.9", kMacA);
  cache.Learn("192.0.2.1", kMacB, kT0, kLife);
  EXPECT_EQ(cache.Lookup("192.0.2.1", kT0), nullptr);
  EXPECT_TRUE(cache.Forget("192.0.2.9"));
  EXPECT_FALSE(cache.Forget("192.0.2.9"));
}

}  // namespace
}  // namespace standin::netstack
