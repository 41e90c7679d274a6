#include "standin/netstack/dispatch_table.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using ::testing::ElementsAre;

struct Receiver {
  std::string name;
};

std::vector<std::string> NamesFor(DispatchTable<Receiver>& table,
                                  uint32_t number, bool* found = nullptr) {
  std::vector<std::string> names;
  bool any =
      table.Dispatch(number, [&](Receiver* r) { names.push_back(r->name); });
  if (found != nullptr) *found = any;
  return names;
}

TEST(DispatchTableTest, EachNumberKeepsItsReceiversInTheOrderAdded) {
  DispatchTable<Receiver> table("port", 16);
  Receiver a{"a"}, b{"b"}, c{"c"};
  ASSERT_TRUE(table.Add(53, &a).ok());
  ASSERT_TRUE(table.Add(7, &c).ok());
  ASSERT_TRUE(table.Add(53, &b).ok());
  ASSERT_TRUE(table.Add(53, &a).ok());  // twice: called twice
  EXPECT_THAT(NamesFor(table, 53), ElementsAre("a", "b", "a"));
  EXPECT_THAT(NamesFor(table, 7), ElementsAre("c"));
}

TEST(DispatchTableTest, UnknownNumberCallsNothingAndSaysSo) {
  DispatchTable<Receiver> table("port", 16);
  Receiver a{"a"};
  ASSERT_TRUE(table.Add(53, &a).ok());
  bool found = true;
  EXPECT_THAT(NamesFor(table, 54, &found), ElementsAre());
  EXPECT_FALSE(found);
  EXPECT_THAT(NamesFor(table, 53, &found), ElementsAre("a"));
  EXPECT_TRUE(found);
}

TEST(DispatchTableTest, NumbersMustFitTheField) {
  DispatchTable<Receiver> table("IP protocol", 8);
  Receiver a{"a"};
  EXPECT_TRUE(table.Add(255, &a).ok());
  absl::Status s = table.Add(256, &a);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 8 bits: IP protocol 256");
  s = table.Add(0xffffffffu, &a);
  EXPECT_EQ(s.message(),
            "Added protocol must fit in 8 bits: IP protocol 4294967295");
  EXPECT_THAT(NamesFor(table, 256), ElementsAre());
}

TEST(DispatchTableTest, NullReceiverIsRefused) {
  DispatchTable<Receiver> table("ethertype", 16);
  absl::Status s = table.Add(0x0800, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol for ethertype 2048 is null");
  EXPECT_THAT(NamesFor(table, 0x0800), ElementsAre());
}

TEST(DispatchTableTest, TheRememberedNumberFollowsNewRegistrations) {
  // The last number found is remembered; a number registered afterwards, and
  // the first again, must still find their own lists.
  DispatchTable<Receiver> table("port", 16);
  Receiver a{"a"}, b{"b"};
  ASSERT_TRUE(table.Add(1, &a).ok());
  EXPECT_THAT(NamesFor(table, 1), ElementsAre("a"));
  EXPECT_THAT(NamesFor(table, 2), ElementsAre());
  ASSERT_TRUE(table.Add(2, &b).ok());
  EXPECT_THAT(NamesFor(table, 2), ElementsAre("b"));
  EXPECT_THAT(NamesFor(table, 1), ElementsAre("a"));
  ASSERT_TRUE(table.Add(1, &b).ok());
  EXPECT_THAT(NamesFor(table, 1), ElementsAre("a", "b"));
}

TEST(DispatchTableTest, ReceiverMayAddDuringDispatch) {
  // Adding to many numbers forces the map to rehash mid-dispatch; adding to
  // the number being dispatched extends this very dispatch.
  DispatchTable<Receiver> table("port", 16);
  Receiver first{"first"}, late{"late"};
  ASSERT_TRUE(table.Add(9, &first).ok());
  std::vector<std::string> names;
  bool added = false;
  table.Dispatch(9, [&](Receiver* r) {
    names.push_back(r->name);
    if (!added) {
      added = true;
      for (uint32_t n = 100; n < 1100; ++n)
        ASSERT_TRUE(table.Add(n, &late).ok());
      ASSERT_TRUE(table.Add(9, &late).ok());
    }
  });
  EXPECT_THAT(names, ElementsAre("first", "late"));
  EXPECT_THAT(NamesFor(table, 1099), ElementsAre("late"));
}

}  // namespace
}  // namespace standin::netstack
