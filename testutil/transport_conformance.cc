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

namespace {

// Bytes that reveal reordering, loss or duplication: position-dependent.
std::string Pattern(size_t size, size_t seed = 0) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    size_t k = i + seed;
    out[i] = static_cast<char>((k * 131 + (k >> 8) * 7 + (k >> 16)) & 0xff);
  }
  return out;
}

// A producer that counts what it is told and, for the streaming case,
// writes one chunk per Tick() while not paused.
class TickingProducer : public Producer {
 public:
  TickingProducer(Transport* transport, size_t chunk, size_t total)
      : transport_(transport), chunk_(chunk), total_(total) {}

  void PauseProducing() override {
    ++pauses;
    paused = true;
  }
  void ResumeProducing() override {
    ++resumes;
    paused = false;
    if (pull) Tick();
  }
  void StopProducing() override { ++stops; }

  // Writes the next chunk unless paused or finished.
  void Tick() {
    if (paused || stops > 0 || sent >= total_) return;
    size_t n = std::min(chunk_, total_ - sent);
    std::string chunk = Pattern(n, sent);
    sent += n;
    transport_->Write(chunk);
    if (paused) ++pauses_inside_write;
  }
  bool finished() const { return sent >= total_; }

  bool pull = false;
  bool paused = false;
  int pauses = 0;
  int pauses_inside_write = 0;  // PauseProducing() from inside our Write().
  int resumes = 0;
  int stops = 0;
  size_t sent = 0;

 private:
  Transport* transport_;
  size_t chunk_;
  size_t total_;
};

}  // namespace

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
  TickingProducer producer(client(), 1, 1);
  ASSERT_TRUE(client()->RegisterProducer(&producer, true).ok());
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
  TickingProducer producer(client(), 1000, 1 << 20);
  producer.pull = true;
  int resumes_seen = 0;
  ASSERT_TRUE(client()->RegisterProducer(&producer, false).ok());
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
  TickingProducer producer(client(), 64 * 1024, 256 << 20);
  ASSERT_TRUE(client()->RegisterProducer(&producer, true).ok());
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

TEST_P(TransportConformanceTest, PausedReceiverGetsNothingUntilResumed) {
  ConnectBoth();
  harness_->AsProducer(server())->PauseProducing();
  client()->Write("held");
  harness_->Settle();
  EXPECT_EQ(server_.data(), "");
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return server_.data() == "held"; }));
}

TEST_P(TransportConformanceTest, StreamingProducerPausedUnderBackpressure) {
  ConnectBoth();
  constexpr size_t kTotal = 64 << 20;  // Bound, never reached if we pause.
  TickingProducer producer(client(), 16 * 1024, kTotal);
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/true).ok());
  harness_->AsProducer(server())->PauseProducing();
  // Write until the transport pushes back.
  ASSERT_TRUE(harness_->RunUntil([&] {
    producer.Tick();
    return producer.paused || producer.finished();
  }));
  ASSERT_TRUE(producer.paused) << "never paused after " << producer.sent;
  EXPECT_EQ(producer.pauses, 1);
  const size_t sent_when_paused = producer.sent;
  // Nothing drains while the receiver is paused.
  harness_->Settle();
  EXPECT_TRUE(producer.paused);
  EXPECT_EQ(producer.resumes, 0);
  // The receiver resumes: the backlog drains and the producer is resumed.
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return producer.resumes > 0; }));
  EXPECT_FALSE(producer.paused);
  ASSERT_TRUE(harness_->RunUntil(
      [&] { return server_.data().size() >= sent_when_paused; }));
  EXPECT_TRUE(server_.data() == Pattern(server_.data().size()));
  client()->UnregisterProducer();
}

// A push producer may write in a loop "while not paused": the transport
// must pause it from inside the Write() that fills its buffer, or the loop
// never ends.
TEST_P(TransportConformanceTest, LoopingProducerIsPausedFromInsideWrite) {
  ConnectBoth();
  constexpr size_t kBound = 64 << 20;
  TickingProducer producer(client(), 16 * 1024, kBound);
  ASSERT_TRUE(client()->RegisterProducer(&producer, true).ok());
  harness_->AsProducer(server())->PauseProducing();
  harness_->Settle();
  while (!producer.paused && !producer.finished()) producer.Tick();
  ASSERT_TRUE(producer.paused) << "wrote " << producer.sent << " unpaused";
  const size_t sent = producer.sent;
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return producer.resumes > 0; }));
  ASSERT_TRUE(
      harness_->RunUntil([&] { return server_.data().size() >= sent; }));
  EXPECT_TRUE(server_.data() == Pattern(sent));
  client()->UnregisterProducer();
}

TEST_P(TransportConformanceTest, PullProducerIsResumedUntilItFinishes) {
  ConnectBoth();
  constexpr size_t kChunk = 8 * 1024;
  constexpr size_t kTotal = 100 * kChunk;
  TickingProducer producer(client(), kChunk, kTotal);
  producer.pull = true;
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/false).ok());
  ASSERT_TRUE(harness_->RunUntil([&] { return producer.finished(); }));
  client()->UnregisterProducer();
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(server_.data().size(), kTotal);
  EXPECT_TRUE(server_.data() == Pattern(kTotal));
  EXPECT_EQ(producer.pauses, 0);
  EXPECT_GE(producer.resumes, 100);
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()));
}

TEST_P(TransportConformanceTest, ProducerIsStoppedWhenTheConnectionIsLost) {
  ConnectBoth();
  TickingProducer producer(client(), 1, 1);
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/true).ok());
  server()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(producer.stops, 1);
  client()->UnregisterProducer();  // Harmless once the transport forgot it.
}

TEST_P(TransportConformanceTest, SecondProducerIsRefused) {
  ConnectBoth();
  TickingProducer first(client(), 1, 1), second(client(), 1, 1);
  ASSERT_TRUE(client()->RegisterProducer(&first, true).ok());
  absl::Status status = client()->RegisterProducer(&second, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  client()->UnregisterProducer();
}

// --- Half-close (Twisted: test_tcp.py's HalfCloseTests and friends) --------

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

// --- The producer contract (Twisted: connectionmixins.py) ------------------

// Pauses reading from inside ConnectionMade(), before the transport has
// read anything: nothing arrives until ResumeProducing() (Twisted's
// test_tcp.py regression test for pausing in connectionMade).
TEST_P(TransportConformanceTest, PauseProducingFromConnectionMadeHoldsData) {
  server_.set_on_connection_made([&] {
    harness_->AsProducer(server_.transport())->PauseProducing();
    server_.transport()->Write("greeting");
  });
  client_.set_on_connection_made([&] {
    harness_->AsProducer(client_.transport())->PauseProducing();
    client_.transport()->Write("early");
  });
  ConnectBoth();
  client()->Write(" and later");
  harness_->Settle();
  EXPECT_EQ(server_.data(), "");
  EXPECT_EQ(client_.data(), "");
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] {
    return server_.data() == "early and later";
  })) << server_.data();
  harness_->Settle();
  EXPECT_EQ(client_.data(), "");
  harness_->AsProducer(client())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return client_.data() == "greeting"; }));
}

// A pull producer writes one chunk per ResumeProducing(); the transport must
// resume it each time its buffer drains, however the bytes left (buffered
// and flushed, or handed to the kernel at once), until it is done.
void TransportConformanceTest::PullProducerIsResumedAfterEachDrain(size_t chunk,
                                                                   int chunks) {
  ConnectBoth();
  const size_t total = chunk * chunks;
  TickingProducer producer(client(), chunk, total);
  producer.pull = true;
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/false).ok());
  ASSERT_TRUE(harness_->RunUntil([&] {
    return server_.data().size() >= total;
  })) << "resumed "
      << producer.resumes << " times, wrote " << producer.sent << " of "
      << total << " bytes, " << server_.data().size() << " arrived";
  harness_->Settle();
  EXPECT_EQ(server_.data().size(), total);
  EXPECT_TRUE(server_.data() == Pattern(total));
  // Once per drain: at registration, then after each chunk drained (the
  // last resume finds nothing more to write).
  EXPECT_EQ(producer.resumes, chunks + 1);
  EXPECT_EQ(producer.pauses, 0);
  client()->UnregisterProducer();
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
}

TEST_P(TransportConformanceTest, PullProducerResumedAfterEachDrain4KiB) {
  PullProducerIsResumedAfterEachDrain(4 * 1024, 64);
}

TEST_P(TransportConformanceTest, PullProducerResumedAfterEachDrain64KiB) {
  PullProducerIsResumedAfterEachDrain(64 * 1024, 16);
}

TEST_P(TransportConformanceTest, PullProducerResumedAfterEachDrain1MiB) {
  PullProducerIsResumedAfterEachDrain(1024 * 1024, 4);
}

// FileDescriptor's mark: a push producer is paused from inside a Write()
// that leaves more than buffer_size() bytes buffered, never while less has
// been written, and resumed once the buffer drains. (What the kernel takes
// is not buffered: a transport may hand bytes to it at once, so the suite
// cannot tell from outside exactly when the mark is crossed.)
TEST_P(TransportConformanceTest, PushProducerPausedAboveBufferSizeResumed) {
  ConnectBoth();
  const size_t mark = harness_->BufferSize(client());
  constexpr size_t kChunk = 4 * 1024;
  TickingProducer producer(client(), kChunk, 64 << 20);
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/true).ok());
  harness_->AsProducer(server())->PauseProducing();
  // No more than buffer_size() bytes written: no more can be buffered.
  while (producer.sent + kChunk <= mark) producer.Tick();
  EXPECT_EQ(producer.pauses, 0) << "paused after only " << producer.sent
                                << " bytes, buffer_size() is " << mark;
  // Nobody reads: the kernel fills, the buffer passes the mark.
  ASSERT_TRUE(harness_->RunUntil([&] {
    producer.Tick();
    return producer.paused || producer.finished();
  }));
  ASSERT_TRUE(producer.paused) << "never paused after " << producer.sent;
  EXPECT_GT(producer.sent, mark);
  // The reader drains it: every pause is followed by one resume.
  harness_->AsProducer(server())->ResumeProducing();
  ASSERT_TRUE(harness_->RunUntil([&] { return !producer.paused; }));
  harness_->Settle();
  EXPECT_GE(producer.pauses, 1);
  EXPECT_EQ(producer.pauses_inside_write, producer.pauses);
  EXPECT_EQ(producer.resumes, producer.pauses);
  // It writes on; the reader gets every byte, in order.
  for (int i = 0; i < 4; ++i) producer.Tick();
  const size_t sent = producer.sent;
  ASSERT_TRUE(
      harness_->RunUntil([&] { return server_.data().size() >= sent; }));
  EXPECT_TRUE(server_.data() == Pattern(sent));
  client()->UnregisterProducer();
}

// Twisted: a registered pull producer keeps the connection open after
// LoseConnection() (it is resumed on each drain); unregistering it lets the
// close complete, without stopping it.
TEST_P(TransportConformanceTest, LoseConnectionCompletesAfterUnregister) {
  ConnectBoth();
  constexpr size_t kChunk = 4 * 1024;
  constexpr size_t kTotal = 16 * kChunk;
  TickingProducer producer(client(), kChunk, kTotal);
  producer.pull = true;
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/false).ok());
  client()->LoseConnection();
  ASSERT_TRUE(
      harness_->RunUntil([&] { return server_.data().size() >= kTotal; }));
  harness_->Settle();
  EXPECT_FALSE(client_.closed()) << client_.closed_reason();
  EXPECT_FALSE(server_.closed()) << server_.closed_reason();
  client()->UnregisterProducer();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_TRUE(server_.data() == Pattern(kTotal));
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()));
  EXPECT_EQ(producer.stops, 0);
}

// Twisted: a push producer that is not paused does not hold the close up;
// the transport stops it when the connection ends.
TEST_P(TransportConformanceTest, LoseConnectionStopsARunningPushProducer) {
  ConnectBoth();
  TickingProducer producer(client(), 1000, 1000);
  ASSERT_TRUE(client()->RegisterProducer(&producer, /*streaming=*/true).ok());
  producer.Tick();
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_TRUE(server_.data() == Pattern(1000));
  EXPECT_EQ(producer.stops, 1);
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  client()->UnregisterProducer();
}

}  // namespace standin::testutil
