// The transport conformance suite, part one: the harness defaults, the
// basics (ordering, both directions, large writes, closing) and abort
// (Twisted's AbortConnectionMixin). Parts two and three:
// transport_conformance_half_close.cc, transport_conformance_producers.cc.
#include "standin/testutil/transport_conformance.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/transport/status.h"

namespace standin::testutil {

// Instantiated by each transport's own test; none here.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TransportConformanceTest);

void TransportHarness::LoseWriteConnection(Transport* transport) {
  auto* half = dynamic_cast<HalfCloseableTransport*>(transport);
  if (half == nullptr) {
    ADD_FAILURE() << "the transport is not a HalfCloseableTransport";
    return;
  }
  half->LoseWriteConnection();
}

size_t TransportHarness::BufferSize(Transport* /*transport*/) {
  return 64 * 1024;
}

std::string TransportConformanceTest::Pattern(size_t size, size_t seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    size_t k = i + seed;
    out[i] = static_cast<char>((k * 131 + (k >> 8) * 7 + (k >> 16)) & 0xff);
  }
  return out;
}

void TransportConformanceTest::TickingProducer::PauseProducing() {
  ++pauses;
  paused = true;
}

void TransportConformanceTest::TickingProducer::ResumeProducing() {
  ++resumes;
  paused = false;
  if (kind == kPull) Tick();
}

void TransportConformanceTest::TickingProducer::Tick() {
  if (paused || stops > 0 || sent >= total_) return;
  const size_t n = std::min(chunk_, total_ - sent);
  const std::string chunk = Pattern(n, sent);
  sent += n;
  transport_->Write(chunk);
  if (paused) ++pauses_inside_write;
}

void TransportConformanceTest::Connect(Protocol* client, Protocol* server) {
  client_side_ = client;
  server_side_ = server;
  harness_->Connect(client, server);
  ASSERT_NE(this->client(), nullptr);
  ASSERT_NE(this->server(), nullptr);
}

TEST_P(TransportConformanceTest, BothSidesAreConnected) {
  ConnectBoth();
  EXPECT_TRUE(client_.made());
  EXPECT_TRUE(server_.made());
  EXPECT_EQ(client_.connection_lost_calls(), 0);
  EXPECT_EQ(server_.connection_lost_calls(), 0);
}

TEST_P(TransportConformanceTest, HostAndPeerAreMirrored) {
  ConnectBoth();
  EXPECT_EQ(client()->GetHost(), server()->GetPeer());
  EXPECT_EQ(client()->GetPeer(), server()->GetHost());
}

TEST_P(TransportConformanceTest, GreetingAndCloseFromConnectionMade) {
  server_.set_on_connection_made([&] {
    server()->Write("220 hello\r\n");
    server()->LoseConnection();
  });
  ConnectBoth();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(client_.data(), "220 hello\r\n");
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()));
}

TEST_P(TransportConformanceTest, UnregisteringInConnectionLostIsHarmless) {
  ConnectBoth();
  TickingProducer producer(client(), TickingProducer::kPush, 1, 1);
  ASSERT_TRUE(producer.Register());
  client_.set_on_connection_lost(
      [&](const absl::Status&) { client()->UnregisterProducer(); });
  server()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(producer.stops, 1);
  EXPECT_EQ(client_.connection_lost_calls(), 1);
}

TEST_P(TransportConformanceTest, WritesArriveInOrder) {
  ConnectBoth();
  client()->Write("one ");
  std::vector<std::string_view> chunks = {"two ", "", "three "};
  client()->WriteSequence(chunks);
  client()->Write("four");
  ASSERT_TRUE(harness_->RunUntil([&] { return server_.data().size() >= 18; }));
  EXPECT_EQ(server_.data(), "one two three four");
}

TEST_P(TransportConformanceTest, BothDirectionsAtOnce) {
  ConnectBoth();
  std::string up = Pattern(100000, 1);
  std::string down = Pattern(70000, 2);
  client()->Write(up);
  server()->Write(down);
  ASSERT_TRUE(harness_->RunUntil([&] {
    return server_.data().size() >= up.size() &&
           client_.data().size() >= down.size();
  }));
  EXPECT_TRUE(server_.data() == up);
  EXPECT_TRUE(client_.data() == down);
}

TEST_P(TransportConformanceTest, LargeWriteArrivesIntact) {
  ConnectBoth();
  std::string big = Pattern(4 << 20);
  client()->Write(big);
  ASSERT_TRUE(
      harness_->RunUntil([&] { return server_.data().size() >= big.size(); }));
  EXPECT_EQ(server_.data().size(), big.size());
  EXPECT_TRUE(server_.data() == big);
}

TEST_P(TransportConformanceTest, LoseConnectionFlushesThenBothSeeDone) {
  ConnectBoth();
  std::string payload = Pattern(300000);
  client()->Write(payload);
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  harness_->Settle();
  EXPECT_TRUE(server_.data() == payload);
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()))
      << client_.closed_reason();
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()))
      << server_.closed_reason();
}

// The close completes once our bytes are handed over, whether or not the
// peer is reading; the peer sees them, then EOF, when it reads again.
TEST_P(TransportConformanceTest, LoseConnectionWhileThePeerIsPaused) {
  ConnectBoth();
  harness_->AsProducer(server())->PauseProducing();
  client()->Write("bye");
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return client_.closed(); }));
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  harness_->Settle();
  EXPECT_FALSE(server_.closed());
  EXPECT_EQ(server_.data(), "");
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return server_.closed(); }));
  EXPECT_EQ(server_.data(), "bye");
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()));
}

TEST_P(TransportConformanceTest, LoseConnectionTwiceReportsOnce) {
  ConnectBoth();
  client()->LoseConnection();
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  client()->LoseConnection();
  harness_->Settle();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
}

TEST_P(TransportConformanceTest, PeerCloseIsConnectionDone) {
  ConnectBoth();
  server()->Write("bye");
  server()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(client_.data(), "bye");
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()))
      << client_.closed_reason();
}

TEST_P(TransportConformanceTest, WriteAfterTheEndIsDroppedSilently) {
  ConnectBoth();
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  client()->Write("too late");
  std::vector<std::string_view> chunks = {"also", "late"};
  client()->WriteSequence(chunks);
  harness_->Settle();
  EXPECT_EQ(server_.data(), "");
  EXPECT_EQ(client_.connection_lost_calls(), 1);
}

TEST_P(TransportConformanceTest, AbortReportsAbortedOnceAndPeerSeesTheEnd) {
  ConnectBoth();
  // A small write first: what is buffered behind it cannot have reached the
  // OS (a transport may hand a large write on an empty buffer straight to
  // the kernel, which no abort can take back).
  client()->Write("x");
  client()->Write(Pattern(1 << 20));
  harness_->AbortConnection(client());
  EXPECT_EQ(client_.connection_lost_calls(), 0);  // Never inside the call.
  harness_->AbortConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  harness_->Settle();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionAborted(client_.closed_reason()))
      << client_.closed_reason();
  EXPECT_EQ(server_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()) ||
              IsConnectionLost(server_.closed_reason()))
      << server_.closed_reason();
  EXPECT_LT(server_.data().size(), 2u);  // The buffer was dropped.
}

// Twisted: test_dataReceivedAbort.
TEST_P(TransportConformanceTest, AbortInsideDataReceivedIsNotReentrant) {
  ConnectBoth();
  int lost_inside = 0;
  bool inside = false;
  client_.set_on_data([&](std::string_view) {
    inside = true;
    harness_->AbortConnection(client());
    if (client_.closed()) ++lost_inside;
    inside = false;
  });
  client_.set_on_connection_lost([&](const absl::Status&) {
    if (inside) ++lost_inside;
  });
  server()->Write("first");
  ASSERT_TRUE(harness_->RunUntil([&] { return !client_.data().empty(); }));
  server()->Write("more after the abort");
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  harness_->Settle();
  EXPECT_EQ(lost_inside, 0);
  EXPECT_EQ(client_.chunks().size(), 1u);  // Nothing after the abort.
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionAborted(client_.closed_reason()));
}

// Twisted: test_clientAbortsConnectionThenLosesConnection.
TEST_P(TransportConformanceTest, AbortThenLoseConnectionReportsAbortedOnce) {
  ConnectBoth();
  harness_->AbortConnection(client());
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  harness_->Settle();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionAborted(client_.closed_reason()));
}

// Twisted: test_resumeProducingAbort.
TEST_P(TransportConformanceTest, AbortInsideResumeProducing) {
  ConnectBoth();
  TickingProducer producer(client(), TickingProducer::kPull, 1000, 1 << 20);
  int resumes_seen = 0;
  ASSERT_TRUE(producer.Register());
  // Abort from the producer's second resume, i.e. from inside the
  // transport's own drain handling.
  ASSERT_TRUE(harness_->RunUntil([&] {
    if (producer.resumes >= 2 && resumes_seen == 0) {
      resumes_seen = producer.resumes;
      harness_->AbortConnection(client());
    }
    return BothLost();
  }));
  EXPECT_TRUE(IsConnectionAborted(client_.closed_reason()));
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(producer.stops, 1);  // The transport stops its producer.
}

// Twisted: test_fullWriteBuffer.
TEST_P(TransportConformanceTest, AbortWithAFullWriteBuffer) {
  ConnectBoth();
  TickingProducer producer(client(), TickingProducer::kPush, 64 * 1024,
                           256 << 20);
  ASSERT_TRUE(producer.Register());
  harness_->AsProducer(server())->PauseProducing();
  ASSERT_TRUE(harness_->RunUntil([&] {
    producer.Tick();
    return producer.paused;
  }));
  harness_->AbortConnection(client());
  ASSERT_TRUE(harness_->RunUntil([&] { return client_.closed(); }));
  EXPECT_TRUE(IsConnectionAborted(client_.closed_reason()));
  // The server learns of it once it reads again.
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return server_.closed(); }));
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()) ||
              IsConnectionLost(server_.closed_reason()))
      << server_.closed_reason();
  EXPECT_LT(server_.data().size(), producer.sent);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
}

}  // namespace standin::testutil
