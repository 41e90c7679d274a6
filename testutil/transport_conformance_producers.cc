// The transport conformance suite, part three: the receiver pausing and the
// producer contract (Twisted's connectionmixins.py producer tests).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/transport_conformance.h"
#include "standin/transport/status.h"

namespace standin::testutil {

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
  TickingProducer producer(client(), TickingProducer::kPush, 16 * 1024, kTotal);
  ASSERT_TRUE(producer.Register());
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
  TickingProducer producer(client(), TickingProducer::kPush, 16 * 1024, kBound);
  ASSERT_TRUE(producer.Register());
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

// 8 KiB writes: at the write-through threshold of StreamConnection.
TEST_P(TransportConformanceTest, PullProducerIsResumedUntilItFinishes) {
  PullProducerIsResumedAfterEachDrain(8 * 1024, 100);
}

TEST_P(TransportConformanceTest, ProducerIsStoppedWhenTheConnectionIsLost) {
  ConnectBoth();
  TickingProducer producer(client(), TickingProducer::kPush, 1, 1);
  ASSERT_TRUE(producer.Register());
  server()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_EQ(producer.stops, 1);
  client()->UnregisterProducer();  // Harmless once the transport forgot it.
}

TEST_P(TransportConformanceTest, SecondProducerIsRefused) {
  ConnectBoth();
  TickingProducer first(client(), TickingProducer::kPush, 1, 1);
  TickingProducer second(client(), TickingProducer::kPush, 1, 1);
  ASSERT_TRUE(first.Register());
  absl::Status status = client()->RegisterProducer(&second, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  client()->UnregisterProducer();
}

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
  TickingProducer producer(client(), TickingProducer::kPull, chunk, total);
  ASSERT_TRUE(producer.Register());
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
  TickingProducer producer(client(), TickingProducer::kPush, kChunk, 64 << 20);
  ASSERT_TRUE(producer.Register());
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
  TickingProducer producer(client(), TickingProducer::kPull, kChunk, kTotal);
  ASSERT_TRUE(producer.Register());
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
  TickingProducer producer(client(), TickingProducer::kPush, 1000, 1000);
  ASSERT_TRUE(producer.Register());
  producer.Tick();
  client()->LoseConnection();
  ASSERT_TRUE(harness_->RunUntil([&] { return BothLost(); }));
  EXPECT_TRUE(server_.data() == Pattern(1000));
  EXPECT_EQ(producer.stops, 1);
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()));
  client()->UnregisterProducer();
}

}  // namespace standin::testutil
