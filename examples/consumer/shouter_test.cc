#include "shouter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/string_transport.h"

namespace {

using ::standin::testutil::HasWritten;
using ::standin::testutil::IsDisconnecting;
using ::testing::Not;

TEST(ShouterTest, ShoutsBack) {
  standin::StringTransport transport;
  Shouter shouter;
  shouter.MakeConnection(&transport);
  shouter.DataReceived("hello ");
  shouter.DataReceived("there");
  EXPECT_THAT(transport, HasWritten("HELLO THERE"));
  EXPECT_THAT(transport, Not(IsDisconnecting()));
}

TEST(ShouterTest, ByeCloses) {
  standin::StringTransport transport;
  Shouter shouter;
  shouter.MakeConnection(&transport);
  shouter.DataReceived("bye");
  EXPECT_THAT(transport, HasWritten("BYE"));
  EXPECT_THAT(transport, IsDisconnecting());
}

}  // namespace
