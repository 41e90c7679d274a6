#include "standin/testutil/accumulating_protocol.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/transport/status.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {
namespace {

using ::testing::ElementsAre;

TEST(AccumulatingProtocolTest, RecordsLifecycleAndData) {
  StringTransportWithDisconnection transport;
  AccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  bool made_callback = false;
  absl::Status lost_reason;
  protocol.set_on_connection_made([&] { made_callback = true; });
  protocol.set_on_connection_lost(
      [&](const absl::Status& reason) { lost_reason = reason; });

  EXPECT_FALSE(protocol.made());
  protocol.MakeConnection(&transport);
  EXPECT_TRUE(protocol.made());
  EXPECT_TRUE(made_callback);
  EXPECT_EQ(protocol.transport(), &transport);

  protocol.DataReceived("ab");
  protocol.DataReceived("c");
  EXPECT_EQ(protocol.data(), "abc");
  EXPECT_THAT(protocol.chunks(), ElementsAre("ab", "c"));

  EXPECT_FALSE(protocol.closed());
  transport.LoseConnection();
  EXPECT_TRUE(protocol.closed());
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(lost_reason));
  EXPECT_THAT(protocol.events(), ElementsAre("made", "lost"));
}

TEST(AccumulatingProtocolTest, CountsRepeatedConnectionLost) {
  AccumulatingProtocol protocol;
  protocol.ConnectionLost(ConnectionDone());
  protocol.ConnectionLost(ConnectionAborted());
  EXPECT_EQ(protocol.connection_lost_calls(), 2);
  EXPECT_TRUE(IsConnectionAborted(protocol.closed_reason()));
}

TEST(AccumulatingProtocolTest, OnDataSeesEachDelivery) {
  AccumulatingProtocol protocol;
  std::vector<std::string> seen;
  protocol.set_on_data([&](std::string_view d) { seen.emplace_back(d); });
  protocol.DataReceived("x");
  protocol.DataReceived("yz");
  EXPECT_THAT(seen, ElementsAre("x", "yz"));
}

TEST(AccumulatingProtocolTest, PlainProtocolIsNotHalfCloseable) {
  AccumulatingProtocol plain;
  Protocol* protocol = &plain;
  EXPECT_EQ(dynamic_cast<HalfCloseableProtocol*>(protocol), nullptr);
}

TEST(HalfCloseableAccumulatingProtocolTest, CountsEachHalf) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  int read_hook = 0, write_hook = 0;
  protocol.set_on_read_connection_lost([&] { ++read_hook; });
  protocol.set_on_write_connection_lost([&] { ++write_hook; });
  protocol.MakeConnection(&transport);

  EXPECT_FALSE(protocol.read_lost());
  transport.ReadConnectionLost();
  EXPECT_TRUE(protocol.read_lost());
  EXPECT_FALSE(protocol.write_lost());
  EXPECT_EQ(protocol.read_connection_lost_calls(), 1);
  EXPECT_TRUE(protocol.read_lost_before_connection_lost());
  EXPECT_FALSE(protocol.closed());
  transport.LoseWriteConnection();
  EXPECT_TRUE(protocol.write_lost());
  EXPECT_EQ(protocol.write_connection_lost_calls(), 1);
  EXPECT_EQ(read_hook, 1);
  EXPECT_EQ(write_hook, 1);
  // Both halves done: the connection ends, once.
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_THAT(protocol.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
}

TEST(HalfCloseableAccumulatingProtocolTest, EventsAreRecordedBeforeTheHooks) {
  HalfCloseableAccumulatingProtocol protocol;
  std::vector<std::string> seen_by_hook;
  protocol.set_on_read_connection_lost(
      [&] { seen_by_hook = protocol.events(); });
  protocol.ReadConnectionLost();
  EXPECT_THAT(seen_by_hook, ElementsAre("read-lost"));
}

TEST(HalfCloseableAccumulatingProtocolTest, ReadLostAfterTheEndIsNoticed) {
  HalfCloseableAccumulatingProtocol protocol;
  protocol.ConnectionLost(ConnectionDone());
  protocol.ReadConnectionLost();
  EXPECT_FALSE(protocol.read_lost_before_connection_lost());
}

}  // namespace
}  // namespace standin::testutil
