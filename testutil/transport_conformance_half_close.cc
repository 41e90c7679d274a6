// The transport conformance suite, part two: half-close (Twisted's
// test_tcp.py HalfCloseTests,
// HalfCloseNoNotificationAndShutdownExceptionTests).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/transport_conformance.h"
#include "standin/transport/status.h"

namespace standin::testutil {

TEST_P(TransportConformanceTest, HalfCloseDeliversDataThenEndOfFile) {
  ConnectBoth();
  client()->Write("request");
  harness_->LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] { return server_.closed(); }));
  client()->Write("dropped after half-close");
  // The server read EOF and closed; the client then sees the end too.
  ASSERT_TRUE(harness_->RunUntil([&] { return client_.closed(); }));
  harness_->Settle();
  EXPECT_EQ(server_.data(), "request");
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()))
      << server_.closed_reason();
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()))
      << client_.closed_reason();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
}

TEST_P(TransportConformanceTest, HalfClosedSideStillReads) {
  ConnectBoth();
  // The server replies to each chunk; the client half-closes after its
  // request, and must still receive the reply that was sent before EOF
  // reached the server.
  server_.set_on_data([&](std::string_view) { server()->Write("reply"); });
  client()->Write("request");
  ASSERT_TRUE(harness_->RunUntil([&] { return client_.data() == "reply"; }));
  harness_->LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(client_.data(), "reply");
  EXPECT_EQ(server_.data(), "request");
}

TEST_P(TransportConformanceTest, EveryStreamTransportIsHalfCloseable) {
  ConnectBoth();
  EXPECT_NE(dynamic_cast<HalfCloseableTransport*>(client()), nullptr);
  EXPECT_NE(dynamic_cast<HalfCloseableTransport*>(server()), nullptr);
}

TEST_P(TransportConformanceTest, EofIsReadConnectionLostForAHalfCloseable) {
  Connect(&client_, &half_server_);
  client()->Write("request");
  LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil(
      [&] { return half_server_.read_connection_lost_calls() > 0; }));
  harness_->Settle();
  EXPECT_EQ(half_server_.data(), "request");
  EXPECT_EQ(half_server_.read_connection_lost_calls(), 1);
  EXPECT_EQ(half_server_.write_connection_lost_calls(), 0);
  // Only the reading direction ended: the connection is still up.
  EXPECT_FALSE(half_server_.closed()) << half_server_.closed_reason();
  EXPECT_FALSE(client_.closed()) << client_.closed_reason();
}

// Twisted: testNoNotification.
TEST_P(TransportConformanceTest, EofIsConnectionDoneForAPlainProtocol) {
  Connect(&half_client_, &server_);
  client()->Write("request");
  LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] { return server_.closed(); }));
  EXPECT_EQ(server_.data(), "request");
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()))
      << server_.closed_reason();
  // The server's end closed, so the client reads EOF too; its write side is
  // shut already, so that is the end of its connection.
  ASSERT_TRUE(harness_->RunUntil([&] { return half_client_.closed(); }));
  harness_->Settle();
  EXPECT_EQ(server_.connection_lost_calls(), 1);
  EXPECT_EQ(half_client_.write_connection_lost_calls(), 1);
  EXPECT_EQ(half_client_.read_connection_lost_calls(), 1);
  EXPECT_TRUE(half_client_.read_lost_before_connection_lost());
  EXPECT_EQ(half_client_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(half_client_.closed_reason()))
      << half_client_.closed_reason();
}

TEST_P(TransportConformanceTest, WritingAfterTheReadSideClosedStillArrives) {
  Connect(&client_, &half_server_);
  half_server_.set_on_read_connection_lost(
      [&] { server()->Write("answer, after EOF"); });
  client()->Write("question");
  LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] {
    return client_.data() == "answer, after EOF";
  })) << client_.data();
  server()->Write(" and more");
  ASSERT_TRUE(harness_->RunUntil([&] {
    return client_.data() == "answer, after EOF and more";
  })) << client_.data();
  EXPECT_FALSE(client_.closed());
  EXPECT_FALSE(half_server_.closed());
  server()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil(
      [&] { return client_.closed() && half_server_.closed(); }));
  harness_->Settle();
  EXPECT_EQ(half_server_.data(), "question");
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(half_server_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(half_server_.closed_reason()));
}

// Twisted: testCloseWriteCloser.
TEST_P(TransportConformanceTest, LoseWriteConnectionFlushesThenShutsWriting) {
  Connect(&half_client_, &half_server_);
  const std::string payload = Pattern(300000);
  client()->Write(payload);
  LoseWriteConnection(client());
  EXPECT_EQ(half_client_.write_connection_lost_calls(), 0)
      << "never inside the call: the buffer is flushed first";
  ASSERT_TRUE(harness_->RunUntil([&] {
    return half_client_.write_connection_lost_calls() > 0 &&
           half_server_.read_connection_lost_calls() > 0;
  }));
  EXPECT_EQ(half_server_.data().size(), payload.size());
  EXPECT_TRUE(half_server_.data() == payload);
  // The write side is shut: later writes go nowhere.
  client()->Write("dropped");
  // Reading goes on on the half-closed side.
  server()->Write("reply");
  ASSERT_TRUE(
      harness_->RunUntil([&] { return half_client_.data() == "reply"; }));
  harness_->Settle();
  EXPECT_EQ(half_server_.data().size(), payload.size());
  EXPECT_EQ(half_client_.write_connection_lost_calls(), 1);
  EXPECT_EQ(half_client_.read_connection_lost_calls(), 0);
  EXPECT_EQ(half_server_.read_connection_lost_calls(), 1);
  EXPECT_EQ(half_server_.write_connection_lost_calls(), 0);
  EXPECT_FALSE(half_client_.closed()) << half_client_.closed_reason();
  EXPECT_FALSE(half_server_.closed()) << half_server_.closed_reason();
}

// Each side ends one direction, in the opposite order: the client shuts its
// writing first, the server reads EOF first. Both then close, once.
TEST_P(TransportConformanceTest, BothHalvesDoneEndTheConnectionOnce) {
  Connect(&half_client_, &half_server_);
  half_server_.set_on_read_connection_lost([&] {
    server()->Write("response");
    LoseWriteConnection(server());
  });
  client()->Write("request");
  LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil(
      [&] { return half_client_.closed() && half_server_.closed(); }));
  harness_->Settle();
  EXPECT_EQ(half_server_.data(), "request");
  EXPECT_EQ(half_client_.data(), "response");
  for (const HalfCloseableAccumulatingProtocol* side :
       {&half_client_, &half_server_}) {
    EXPECT_EQ(side->read_connection_lost_calls(), 1);
    EXPECT_EQ(side->write_connection_lost_calls(), 1);
    EXPECT_TRUE(side->read_lost_before_connection_lost());
    EXPECT_EQ(side->connection_lost_calls(), 1);
    EXPECT_TRUE(IsConnectionDone(side->closed_reason()))
        << side->closed_reason();
  }
}

TEST_P(TransportConformanceTest, LoseConnectionAfterReadConnectionLost) {
  Connect(&client_, &half_server_);
  half_server_.set_on_read_connection_lost([&] {
    server()->Write("bye");
    server()->LoseConnection();
  });
  LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil(
      [&] { return client_.closed() && half_server_.closed(); }));
  harness_->Settle();
  EXPECT_EQ(client_.data(), "bye");
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(half_server_.connection_lost_calls(), 1);
  EXPECT_EQ(half_server_.read_connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(half_server_.closed_reason()));
}

// Twisted: testShutdownException. Half-closing towards a peer that is gone
// passes silently; the connection still ends, once.
TEST_P(TransportConformanceTest, LoseWriteConnectionAfterThePeerClosed) {
  ConnectBoth();
  server()->LoseConnection();
  client()->Write("X");
  LoseWriteConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  harness_->Settle();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()) ||
              IsConnectionLost(client_.closed_reason()))
      << client_.closed_reason();
}

}  // namespace standin::testutil
