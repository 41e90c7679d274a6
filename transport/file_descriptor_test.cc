// FileDescriptor's buffering, producer and close machinery, driven through a
// MemoryReactor and an in-memory subclass (Twisted's MemoryFile from
// internet/test/test_filedescriptor.py), so every step is deterministic.
#include "standin/transport/file_descriptor.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

using ::standin::testutil::AccumulatingProtocol;
using ::standin::testutil::HalfCloseableAccumulatingProtocol;
using ::standin::testutil::MemoryReactor;
using ::testing::ElementsAre;

// A FileDescriptor whose "descriptor" is memory: writes accept up to
// free_space bytes; reads come from a script.
class MemoryFile : public FileDescriptor {
 public:
  MemoryFile(Reactor* reactor, Protocol* protocol)
      : FileDescriptor(reactor, protocol) {}

  void Connect(bool start_reading = true) { StartConnected(start_reading); }
  void EnableEagerWrites() { set_eager_writes(true); }
  void Connecting() { BeginConnecting(); }

  int fileno() const override { return 42; }
  Address GetHost() const override { return UnixAddress{"host"}; }
  Address GetPeer() const override { return UnixAddress{"peer"}; }

  absl::Status DoRead() override {
    if (read_fd >= 0) return ReadChunk(read_fd);
    if (reads.empty()) return absl::OkStatus();
    absl::StatusOr<std::string> next = std::move(reads.front());
    reads.pop_front();
    if (!next.ok()) return next.status();
    if (next->empty()) return ReadConnectionLost();  // EOF.
    HandleDataReceived(*next);
    return absl::OkStatus();
  }

  int read_fd = -1;  // When set, DoRead() reads it with ReadChunk().
  size_t free_space = std::numeric_limits<size_t>::max();
  absl::Status write_error;
  std::string written;
  std::vector<size_t> offered;     // Bytes offered per WriteSomeData().
  std::vector<size_t> iov_counts;  // iovecs per WriteSomeData().
  // Scripted reads: bytes, an error, or "" for EOF.
  std::deque<absl::StatusOr<std::string>> reads;
  absl::Status close_write_result;
  int close_write_calls = 0;
  int close_descriptor_calls = 0;

 protected:
  absl::StatusOr<size_t> WriteSomeData(
      absl::Span<const struct iovec> chunks) override {
    size_t total = 0;
    for (const iovec& v : chunks) total += v.iov_len;
    offered.push_back(total);
    iov_counts.push_back(chunks.size());
    if (!write_error.ok()) return write_error;
    size_t accept = std::min(free_space, total);
    free_space -= accept;
    size_t left = accept;
    for (const iovec& v : chunks) {
      size_t n = std::min(left, v.iov_len);
      written.append(static_cast<const char*>(v.iov_base), n);
      left -= n;
    }
    return accept;
  }
  absl::Status CloseWriteConnection() override {
    ++close_write_calls;
    return close_write_result;
  }
  void CloseDescriptor() override { ++close_descriptor_calls; }
};

// A producer that records what its consumer asked of it.
class RecordingProducer : public Producer {
 public:
  void ResumeProducing() override {
    calls.push_back("resume");
    if (on_resume) on_resume();
  }
  void PauseProducing() override { calls.push_back("pause"); }
  void StopProducing() override { calls.push_back("stop"); }
  std::vector<std::string> calls;
  std::function<void()> on_resume;
};

class FileDescriptorTest : public ::testing::Test {
 protected:
  FileDescriptorTest() : file_(&reactor_, &protocol_) { file_.Connect(); }

  MemoryReactor reactor_;
  AccumulatingProtocol protocol_;
  MemoryFile file_;
};

TEST_F(FileDescriptorTest, ConnectingTellsTheProtocolAndStartsReading) {
  EXPECT_TRUE(protocol_.made());
  EXPECT_EQ(protocol_.transport(), &file_);
  EXPECT_TRUE(file_.connected());
  EXPECT_TRUE(reactor_.HasReader(&file_));
  EXPECT_FALSE(reactor_.HasWriter(&file_));
}

TEST_F(FileDescriptorTest, ReadBytesGoToTheProtocol) {
  file_.reads.push_back(std::string("hello"));
  file_.reads.push_back(std::string(" world"));
  EXPECT_EQ(reactor_.RunReaders(), 1u);
  EXPECT_EQ(reactor_.RunReaders(), 1u);
  EXPECT_THAT(protocol_.chunks(), ElementsAre("hello", " world"));
}

TEST_F(FileDescriptorTest, WriteIsBufferedUntilTheReactorSaysWritable) {
  file_.Write("hello");
  EXPECT_EQ(file_.written, "");
  EXPECT_EQ(file_.buffered_bytes(), 5u);
  EXPECT_TRUE(reactor_.HasWriter(&file_));
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "hello");
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  EXPECT_FALSE(reactor_.HasWriter(&file_));
}

// Twisted: test_kernelBufferFull.
TEST_F(FileDescriptorTest, KernelBufferFullKeepsDataAndStaysWriter) {
  file_.free_space = 0;
  file_.Write("hello, world");
  EXPECT_TRUE(reactor_.FireWrite(&file_).ok());
  EXPECT_EQ(file_.buffered_bytes(), 12u);
  EXPECT_TRUE(reactor_.HasWriter(&file_));
}

// EAGAIN after a partial write: the rest goes out next turn, in order.
TEST_F(FileDescriptorTest, PartialWriteResumesWhereItStopped) {
  file_.free_space = 3;
  file_.Write("hel");
  file_.Write("lo!");
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "hel");
  EXPECT_TRUE(reactor_.HasWriter(&file_));
  file_.free_space = 2;
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "hello");
  file_.free_space = 100;
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "hello!");
  EXPECT_FALSE(reactor_.HasWriter(&file_));
}

TEST_F(FileDescriptorTest, ManySmallWritesFlushInOneVectoredCall) {
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string chunk(100, static_cast<char>('a' + i % 26));
    file_.Write(chunk);
    expected += chunk;
  }
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, expected);
  ASSERT_EQ(file_.offered.size(), 1u);
  EXPECT_EQ(file_.write_calls(), 1u);
  EXPECT_EQ(file_.offered[0], 100000u);
  EXPECT_LE(file_.iov_counts[0], 2u);  // Coalesced, not 1000 iovecs.
}

TEST_F(FileDescriptorTest, EachFlushOffersAtMostTheSendLimit) {
  std::string big(300 * 1024, 'x');
  file_.Write(big);
  reactor_.RunWriters();
  reactor_.RunWriters();
  reactor_.RunWriters();
  EXPECT_THAT(
      file_.offered,
      ElementsAre(FileDescriptor::kSendLimit, FileDescriptor::kSendLimit,
                  big.size() - 2 * FileDescriptor::kSendLimit));
  EXPECT_EQ(file_.written, big);
}

TEST_F(FileDescriptorTest, WriteSequenceKeepsOrderAndSkipsEmptyChunks) {
  std::vector<std::string_view> chunks = {"a", "", "bc", "def"};
  file_.WriteSequence(chunks);
  file_.Write("g");
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "abcdefg");
}

TEST_F(FileDescriptorTest, EmptyWriteDoesNothing) {
  file_.Write("");
  file_.WriteSequence({});
  EXPECT_FALSE(reactor_.HasWriter(&file_));
}

TEST_F(FileDescriptorTest, LoseConnectionFlushesThenClosesWithDone) {
  file_.free_space = 2;
  file_.Write("bye");
  file_.LoseConnection();
  EXPECT_TRUE(file_.disconnecting());
  EXPECT_FALSE(reactor_.HasReader(&file_));
  reactor_.RunWriters();
  EXPECT_FALSE(protocol_.closed());  // One byte still buffered.
  file_.free_space = 10;
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "bye");
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
  EXPECT_EQ(file_.close_descriptor_calls, 1);
  EXPECT_TRUE(file_.disconnected());
  EXPECT_FALSE(file_.connected());
  EXPECT_TRUE(reactor_.GetReaders().empty());
  EXPECT_TRUE(reactor_.GetWriters().empty());
}

TEST_F(FileDescriptorTest, LoseConnectionTwiceClosesOnce) {
  file_.LoseConnection();
  file_.LoseConnection();
  reactor_.RunWriters();
  file_.LoseConnection();
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_EQ(file_.close_descriptor_calls, 1);
}

TEST_F(FileDescriptorTest, WriteAfterLoseConnectionIsSentBeforeTheClose) {
  // Twisted: still connected while disconnecting, so the write is buffered.
  file_.LoseConnection();
  file_.Write("late");
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "late");
  EXPECT_TRUE(protocol_.closed());
}

TEST_F(FileDescriptorTest, WriteAfterConnectionLostIsDroppedSilently) {
  file_.LoseConnection();
  reactor_.RunWriters();
  file_.Write("too late");
  file_.WriteSequence({"x"});
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  EXPECT_FALSE(reactor_.HasWriter(&file_));
}

TEST_F(FileDescriptorTest, FailedWriteLosesTheConnectionOnceWithThatReason) {
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, true).ok());
  file_.write_error = ConnectionLost("peer reset", ECONNRESET);
  file_.Write("x");
  absl::Status status = reactor_.FireWrite(&file_);
  EXPECT_EQ(ErrnoOf(status), ECONNRESET);
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_EQ(ErrnoOf(protocol_.closed_reason()), ECONNRESET);
  EXPECT_THAT(producer.calls, ElementsAre("stop"));
  EXPECT_EQ(file_.producer(), nullptr);
  EXPECT_TRUE(reactor_.GetReaders().empty());
  EXPECT_TRUE(reactor_.GetWriters().empty());
}

TEST_F(FileDescriptorTest, FailedReadLosesTheConnection) {
  file_.reads.push_back(absl::StatusOr<std::string>(ConnectionDone()));
  reactor_.RunReaders();
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
}

TEST_F(FileDescriptorTest,
       StreamingProducerPausedAboveBufferSizeResumedOnDrain) {
  file_.set_buffer_size(10);
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/true).ok());
  EXPECT_TRUE(producer.calls.empty());  // A push producer is not resumed.
  file_.Write("0123456789");            // Exactly the size: not full.
  EXPECT_TRUE(producer.calls.empty());
  file_.Write("a");
  EXPECT_THAT(producer.calls, ElementsAre("pause"));
  EXPECT_TRUE(file_.producer_paused());
  file_.Write("b");  // Already paused: not paused again.
  EXPECT_THAT(producer.calls, ElementsAre("pause"));
  file_.free_space = 5;
  reactor_.RunWriters();  // Not drained yet.
  EXPECT_THAT(producer.calls, ElementsAre("pause"));
  file_.free_space = 100;
  reactor_.RunWriters();
  EXPECT_THAT(producer.calls, ElementsAre("pause", "resume"));
  EXPECT_FALSE(file_.producer_paused());
}

TEST_F(FileDescriptorTest, UnpausedStreamingProducerIsNotResumedOnDrain) {
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, true).ok());
  file_.Write("x");
  reactor_.RunWriters();
  EXPECT_TRUE(producer.calls.empty());
}

TEST_F(FileDescriptorTest, PullProducerResumedOnRegisterAndOnEachDrain) {
  RecordingProducer producer;
  int chunks = 0;
  producer.on_resume = [&] {
    if (++chunks <= 3) file_.Write("chunk");
  };
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/false).ok());
  EXPECT_EQ(chunks, 1);
  reactor_.RunWriters();
  EXPECT_EQ(chunks, 2);
  reactor_.RunWriters();
  reactor_.RunWriters();
  EXPECT_EQ(chunks, 4);
  EXPECT_EQ(file_.written, "chunkchunkchunk");
  // The fourth resume wrote nothing: the next turn stops writing (Twisted
  // stops before resuming; we stay registered one turn in case the
  // producer refills, which saves an epoll_ctl pair per refill).
  reactor_.RunWriters();
  EXPECT_EQ(chunks, 4);
  EXPECT_FALSE(reactor_.HasWriter(&file_));
}

TEST_F(FileDescriptorTest, SecondProducerIsRefused) {
  RecordingProducer first, second;
  ASSERT_TRUE(file_.RegisterProducer(&first, true).ok());
  absl::Status status = file_.RegisterProducer(&second, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "Cannot register two producers");
  EXPECT_EQ(file_.producer(), &first);
}

TEST_F(FileDescriptorTest, ProducerRegisteredAfterDisconnectIsStopped) {
  file_.LoseConnection();
  reactor_.RunWriters();
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, true).ok());
  EXPECT_THAT(producer.calls, ElementsAre("stop"));
  EXPECT_EQ(file_.producer(), nullptr);
}

// Twisted's loseConnection docstring: with a producer registered the close
// waits until it is unregistered.
TEST_F(FileDescriptorTest, LoseConnectionWaitsForThePullProducer) {
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, false).ok());
  file_.LoseConnection();
  reactor_.RunWriters();
  EXPECT_FALSE(protocol_.closed());
  EXPECT_THAT(producer.calls, ElementsAre("resume", "resume"));
  file_.UnregisterProducer();
  EXPECT_TRUE(reactor_.HasWriter(&file_));
  reactor_.RunWriters();
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
}

TEST_F(FileDescriptorTest, ProducerUnregisteringItselfInsideResumeIsSafe) {
  RecordingProducer producer;
  producer.on_resume = [&] {
    file_.Write("last");
    file_.UnregisterProducer();
    file_.LoseConnection();
  };
  ASSERT_TRUE(file_.RegisterProducer(&producer, false).ok());
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "last");
  EXPECT_THAT(producer.calls, ElementsAre("resume"));
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
}

TEST_F(FileDescriptorTest, StreamingProducerUnregisteringInsideResumeIsSafe) {
  file_.set_buffer_size(1);
  RecordingProducer producer;
  producer.on_resume = [&] { file_.UnregisterProducer(); };
  ASSERT_TRUE(file_.RegisterProducer(&producer, true).ok());
  file_.Write("xx");
  reactor_.RunWriters();
  EXPECT_THAT(producer.calls, ElementsAre("pause", "resume"));
  EXPECT_EQ(file_.producer(), nullptr);
  file_.Write("yy");
  reactor_.RunWriters();
  EXPECT_THAT(producer.calls, ElementsAre("pause", "resume"));
  EXPECT_EQ(file_.written, "xxyy");
}

TEST_F(FileDescriptorTest, StopConsumingUnregistersAndLosesTheConnection) {
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, true).ok());
  file_.Write("tail");
  file_.StopConsuming();
  EXPECT_EQ(file_.producer(), nullptr);
  EXPECT_TRUE(file_.disconnecting());
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "tail");
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
  EXPECT_TRUE(producer.calls.empty());  // Unregistered before the close.
}

TEST_F(FileDescriptorTest, ConnectionLostStopsTheProducer) {
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, true).ok());
  file_.ConnectionLost(ConnectionLost("gone"));
  file_.ConnectionLost(ConnectionLost("again"));
  EXPECT_THAT(producer.calls, ElementsAre("stop"));
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_EQ(protocol_.closed_reason().message(), "gone");
}

TEST_F(FileDescriptorTest, PauseAndResumeProducingToggleReading) {
  file_.PauseProducing();
  EXPECT_FALSE(reactor_.HasReader(&file_));
  file_.ResumeProducing();
  EXPECT_TRUE(reactor_.HasReader(&file_));
  file_.LoseConnection();
  file_.ResumeProducing();  // Disconnecting: reading stays off.
  EXPECT_FALSE(reactor_.HasReader(&file_));
}

TEST_F(FileDescriptorTest, StopProducingLosesTheConnection) {
  file_.StopProducing();
  EXPECT_TRUE(file_.disconnecting());
  reactor_.RunWriters();
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
}

TEST_F(FileDescriptorTest, LoseWriteConnectionHalfClosesAfterTheFlush) {
  file_.Write("request");
  file_.LoseWriteConnection();
  EXPECT_EQ(file_.close_write_calls, 0);
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "request");
  EXPECT_EQ(file_.close_write_calls, 1);
  EXPECT_TRUE(file_.write_disconnected());
  EXPECT_TRUE(reactor_.HasReader(&file_));  // Still reading the reply.
  file_.Write("dropped");
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  file_.reads.push_back(std::string("reply"));
  reactor_.RunReaders();
  EXPECT_EQ(protocol_.data(), "reply");
  EXPECT_FALSE(protocol_.closed());
  // DoWrite() can no longer finish a close, so LoseConnection() does it now.
  file_.LoseConnection();
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
}

TEST_F(FileDescriptorTest, FailedHalfCloseLosesTheConnection) {
  file_.close_write_result = ConnectionLost("shutdown", ENOTCONN);
  file_.LoseWriteConnection();
  reactor_.RunWriters();
  EXPECT_EQ(ErrnoOf(protocol_.closed_reason()), ENOTCONN);
}

TEST_F(FileDescriptorTest, AbortDropsTheBufferAndReportsOnTheNextTurn) {
  file_.free_space = 0;
  file_.Write("never sent");
  file_.AbortConnection();
  EXPECT_FALSE(protocol_.closed());  // Not from inside the call.
  EXPECT_TRUE(reactor_.GetReaders().empty());
  EXPECT_TRUE(reactor_.GetWriters().empty());
  file_.Write("nor this");
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  file_.AbortConnection();
  file_.LoseConnection();
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionAborted(protocol_.closed_reason()));
  EXPECT_EQ(file_.written, "");
  EXPECT_EQ(file_.close_descriptor_calls, 1);
}

TEST_F(FileDescriptorTest, ProtocolClosingInsideConnectionMadeNeverReads) {
  MemoryReactor reactor;
  AccumulatingProtocol protocol;
  protocol.set_on_connection_made(
      [&] { protocol.transport()->LoseConnection(); });
  MemoryFile file(&reactor, &protocol);
  file.Connect();
  EXPECT_FALSE(reactor.HasReader(&file));
  reactor.RunWriters();
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
}

TEST_F(FileDescriptorTest, DestroyingRemovesItFromTheReactor) {
  MemoryReactor reactor;
  {
    MemoryFile file(&reactor, nullptr);
    file.Connect();
    file.Write("x");
    EXPECT_EQ(reactor.GetWriters().size(), 1u);
  }
  EXPECT_TRUE(reactor.GetReaders().empty());
  EXPECT_TRUE(reactor.GetWriters().empty());
}

TEST_F(FileDescriptorTest, ProtocolMayDestroyTheTransportInConnectionLost) {
  MemoryReactor reactor;
  AccumulatingProtocol protocol;
  auto file = std::make_unique<MemoryFile>(&reactor, &protocol);
  protocol.set_on_connection_lost([&](const absl::Status&) { file.reset(); });
  file->Connect();
  file->Write("x");
  file->LoseConnection();
  reactor.RunWriters();
  EXPECT_TRUE(file == nullptr);
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
}

TEST_F(FileDescriptorTest, WriteThroughSendsLargeWritesAtOnce) {
  file_.EnableEagerWrites();
  std::string big(FileDescriptor::kWriteThroughMin + 1, 'b');
  file_.Write(big);
  EXPECT_EQ(file_.written, big);
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  EXPECT_FALSE(reactor_.HasWriter(&file_));
  // Small writes are still buffered and coalesced.
  file_.Write("small");
  EXPECT_EQ(file_.written, big);
  EXPECT_TRUE(reactor_.HasWriter(&file_));
}

TEST_F(FileDescriptorTest, WriteThroughNeverJumpsTheQueue) {
  file_.EnableEagerWrites();
  file_.Write("first");
  std::string big(FileDescriptor::kWriteThroughMin + 1, 'b');
  file_.Write(big);  // Buffered behind "first", not written through.
  EXPECT_EQ(file_.written, "");
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "first" + big);
}

TEST_F(FileDescriptorTest, WriteThroughBuffersWhatTheOsDidNotTake) {
  file_.EnableEagerWrites();
  file_.free_space = 10000;
  std::string big(20000, 'c');
  file_.Write(big);
  EXPECT_EQ(file_.written.size(), 10000u);
  EXPECT_EQ(file_.buffered_bytes(), 10000u);
  file_.free_space = 100000;
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, big);
}

TEST_F(FileDescriptorTest, WriteThroughErrorIsReportedFromTheNextTurn) {
  file_.EnableEagerWrites();
  file_.write_error = ConnectionLost("broken", EPIPE);
  file_.Write(std::string(FileDescriptor::kWriteThroughMin + 1, 'd'));
  EXPECT_FALSE(protocol_.closed());  // Not inside Write().
  EXPECT_TRUE(reactor_.HasWriter(&file_));
  reactor_.RunWriters();
  EXPECT_EQ(ErrnoOf(protocol_.closed_reason()), EPIPE);
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
}

// --- Eager writes and the producer contract --------------------------------

// A write that goes straight to the OS (write-through) once left the
// buffer empty, so DoWrite() never ran and a pull producer was never
// resumed again. Twisted resumes it after every drain, however the data
// left.
TEST_F(FileDescriptorTest, PullProducerResumedAfterAWriteThatSkippedTheBuffer) {
  file_.EnableEagerWrites();
  RecordingProducer producer;
  const std::string chunk(100 * 1024, 'p');
  int chunks = 0;
  producer.on_resume = [&] {
    if (++chunks <= 3) file_.Write(chunk);
  };
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/false).ok());
  EXPECT_EQ(file_.written.size(), chunk.size());  // Written through...
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  EXPECT_TRUE(reactor_.HasWriter(&file_));  // ...yet the drain is noticed.
  reactor_.RunWriters();
  EXPECT_EQ(chunks, 2);
  reactor_.RunWriters();
  reactor_.RunWriters();
  EXPECT_EQ(chunks, 4);
  EXPECT_EQ(file_.written, chunk + chunk + chunk);
}

// The same bug's other face: with the pull producer never resumed it never
// unregistered, so LoseConnection() never completed.
TEST_F(FileDescriptorTest,
       LoseConnectionCompletesAfterWritesThatSkipTheBuffer) {
  file_.EnableEagerWrites();
  RecordingProducer producer;
  int chunks = 0;
  producer.on_resume = [&] {
    file_.Write(std::string(64 * 1024, 'q'));
    if (++chunks == 2) {
      file_.UnregisterProducer();
      file_.LoseConnection();
    }
  };
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/false).ok());
  for (int i = 0; i < 3 && !protocol_.closed(); ++i) reactor_.RunWriters();
  EXPECT_EQ(chunks, 2);
  EXPECT_EQ(file_.written.size(), 2u * 64 * 1024);
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
}

// Twisted's resume-on-drain, exactly: a pull producer whose resume writes
// nothing is not resumed again until something is written.
TEST_F(FileDescriptorTest, PullProducerThatWritesNothingIsNotResumedAgain) {
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/false).ok());
  EXPECT_THAT(producer.calls, ElementsAre("resume"));
  EXPECT_FALSE(reactor_.HasWriter(&file_));
  file_.Write("x");  // A drain follows, and with it a resume.
  reactor_.RunWriters();
  EXPECT_THAT(producer.calls, ElementsAre("resume", "resume"));
  reactor_.RunWriters();  // Idle turn: nothing was written; stop writing.
  EXPECT_FALSE(reactor_.HasWriter(&file_));
  EXPECT_THAT(producer.calls, ElementsAre("resume", "resume"));
}

// A write that would take the buffer past buffer_size() flushes
// at once, so a steady stream needs no loop turn per buffer.
TEST_F(FileDescriptorTest, EagerWritesFlushWhenAWriteCrossesTheBufferSize) {
  file_.EnableEagerWrites();
  file_.set_buffer_size(10000);
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/true).ok());
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string message(100, static_cast<char>('a' + i % 26));
    file_.Write(message);
    expected += message;
  }
  EXPECT_EQ(file_.write_calls(), 9u);  // 100,000 bytes in 10,000-byte flushes.
  EXPECT_EQ(file_.buffered_bytes(), 10000u);
  EXPECT_TRUE(producer.calls.empty());  // The OS took it: never full.
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, expected);
}

// The producer is paused only when the OS is full too; after the OS took
// part of a flush, no further eager flush is tried before the reactor says
// writable (it would only meet EAGAIN).
TEST_F(FileDescriptorTest, EagerWritesPauseOnlyWhenTheOsIsFull) {
  file_.EnableEagerWrites();
  file_.set_buffer_size(10000);
  file_.free_space = 15000;
  RecordingProducer producer;
  ASSERT_TRUE(file_.RegisterProducer(&producer, /*streaming=*/true).ok());
  int writes = 0;
  while (producer.calls.empty() && writes < 1000) {
    file_.Write(std::string(100, 'w'));
    ++writes;
  }
  EXPECT_THAT(producer.calls, ElementsAre("pause"));
  EXPECT_THAT(file_.offered, ElementsAre(10000u, 10000u));
  EXPECT_EQ(file_.written.size(), 15000u);
  EXPECT_EQ(writes * 100u, 15000u + file_.buffered_bytes());
  EXPECT_GT(file_.buffered_bytes(), 10000u);
  file_.free_space = 1 << 20;
  reactor_.RunWriters();
  EXPECT_THAT(producer.calls, ElementsAre("pause", "resume"));
}

// A write queued behind buffered bytes never reaches the OS early, so an
// abort still drops it (the transport conformance suite relies on it).
TEST_F(FileDescriptorTest, EagerWritesNeverSendAWriteQueuedBehindTheBuffer) {
  file_.EnableEagerWrites();
  file_.Write("x");
  file_.Write(std::string(1 << 20, 'y'));
  EXPECT_EQ(file_.written, "x");  // The buffer ahead was flushed, not 'y's.
  file_.AbortConnection();
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(file_.written, "x");
}

// Counts writer registrations, to prove what a refill costs.
class CountingReactor : public MemoryReactor {
 public:
  void AddWriter(Selectable* selectable) override {
    ++add_writer_calls;
    MemoryReactor::AddWriter(selectable);
  }
  void RemoveWriter(Selectable* selectable) override {
    ++remove_writer_calls;
    MemoryReactor::RemoveWriter(selectable);
  }
  int add_writer_calls = 0;
  int remove_writer_calls = 0;
};

// The producer is resumed before we stop writing, so one that
// refills the buffer keeps us registered: no epoll_ctl pair per refill.
TEST(FileDescriptorResumeTest, ResumeFirstCostsNoRegistrationPerRefill) {
  CountingReactor reactor;
  AccumulatingProtocol protocol;
  MemoryFile file(&reactor, &protocol);
  file.Connect();
  file.set_buffer_size(1000);
  RecordingProducer producer;
  int refills = 0;
  producer.on_resume = [&] {
    if (++refills <= 10) file.Write(std::string(1500, 'r'));
  };
  ASSERT_TRUE(file.RegisterProducer(&producer, /*streaming=*/true).ok());
  file.Write(std::string(1500, 'r'));  // Over the size: paused.
  for (int i = 0; i < 12; ++i) reactor.RunWriters();
  EXPECT_EQ(refills, 11);
  EXPECT_EQ(file.written.size(), 11u * 1500);
  EXPECT_EQ(reactor.add_writer_calls, 1);
  EXPECT_LE(reactor.remove_writer_calls, 1);  // Only once it went idle.
  EXPECT_FALSE(reactor.HasWriter(&file));
}

// --- Half-close -----------------------------------------------------------

class FileDescriptorHalfCloseTest : public ::testing::Test {
 protected:
  FileDescriptorHalfCloseTest() : file_(&reactor_, &protocol_) {
    file_.Connect();
  }
  MemoryReactor reactor_;
  HalfCloseableAccumulatingProtocol protocol_;
  MemoryFile file_;
};

TEST_F(FileDescriptorHalfCloseTest,
       EndOfFileIsReadConnectionLostAndWritingGoesOn) {
  file_.reads.push_back(std::string("request"));
  file_.reads.push_back(std::string());  // EOF.
  reactor_.RunReaders();
  reactor_.RunReaders();
  EXPECT_EQ(protocol_.data(), "request");
  EXPECT_THAT(protocol_.events(), ElementsAre("made", "read-lost"));
  EXPECT_TRUE(file_.read_disconnected());
  EXPECT_FALSE(reactor_.HasReader(&file_));
  file_.ResumeProducing();  // The peer is done: reading stays off.
  EXPECT_FALSE(reactor_.HasReader(&file_));
  file_.Write("answer");
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "answer");
  EXPECT_TRUE(file_.connected());
}

TEST_F(FileDescriptorHalfCloseTest, PlainProtocolHearsConnectionDoneOnEof) {
  AccumulatingProtocol plain;
  MemoryFile file(&reactor_, &plain);
  file.Connect();
  file.reads.push_back(std::string());
  EXPECT_TRUE(IsConnectionDone(reactor_.FireRead(&file)));
  EXPECT_EQ(plain.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(plain.closed_reason()));
}

TEST_F(FileDescriptorHalfCloseTest, LoseWriteConnectionTellsTheProtocol) {
  file_.Write("last");
  file_.LoseWriteConnection();
  file_.Write(" words");  // Before the flush: still sent (Twisted).
  reactor_.RunWriters();
  EXPECT_EQ(file_.written, "last words");
  EXPECT_EQ(file_.close_write_calls, 1);
  EXPECT_THAT(protocol_.events(), ElementsAre("made", "write-lost"));
  file_.Write("dropped");  // After: dropped silently.
  EXPECT_EQ(file_.buffered_bytes(), 0u);
  EXPECT_TRUE(reactor_.HasReader(&file_));
}

TEST_F(FileDescriptorHalfCloseTest, BothDirectionsClosedEndTheConnectionOnce) {
  file_.LoseWriteConnection();
  reactor_.RunWriters();
  file_.reads.push_back(std::string());
  absl::Status status = reactor_.FireRead(&file_);
  EXPECT_TRUE(IsConnectionDone(status)) << status;
  EXPECT_THAT(protocol_.events(),
              ElementsAre("made", "write-lost", "read-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
  EXPECT_EQ(file_.close_descriptor_calls, 1);
}

TEST_F(FileDescriptorHalfCloseTest, ReadSideFirstThenWriteSideEndsItOnce) {
  protocol_.set_on_read_connection_lost([&] {
    file_.Write("bye");
    file_.LoseWriteConnection();
  });
  file_.reads.push_back(std::string());
  reactor_.RunReaders();
  EXPECT_THAT(protocol_.events(), ElementsAre("made", "read-lost"));
  absl::Status status = reactor_.FireWrite(&file_);
  EXPECT_TRUE(IsConnectionDone(status)) << status;
  EXPECT_EQ(file_.written, "bye");
  EXPECT_THAT(protocol_.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
}

// Twisted: test_doubleHalfClose (LoseConnection() from inside
// WriteConnectionLost(), after the peer's EOF).
TEST_F(FileDescriptorHalfCloseTest, LoseConnectionInsideWriteConnectionLost) {
  protocol_.set_on_read_connection_lost([&] { file_.LoseWriteConnection(); });
  protocol_.set_on_write_connection_lost([&] { file_.LoseConnection(); });
  file_.reads.push_back(std::string());
  reactor_.RunReaders();
  EXPECT_TRUE(reactor_.FireWrite(&file_).ok());
  EXPECT_THAT(protocol_.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
  EXPECT_TRUE(file_.disconnected());
}

// The protocol may destroy the transport from ConnectionLost() even when
// that runs inside a half-close callback (LoseConnection() with the write
// side closed ends the connection at once). Under ASan a touch of the
// dead object after the callback would be reported.
TEST(FileDescriptorHalfCloseLifetimeTest,
     DestroyedFromInsideReadConnectionLost) {
  MemoryReactor reactor;
  HalfCloseableAccumulatingProtocol protocol;
  auto file = std::make_unique<MemoryFile>(&reactor, &protocol);
  file->Connect();
  file->LoseWriteConnection();
  reactor.RunWriters();
  protocol.set_on_read_connection_lost([&] { file->LoseConnection(); });
  protocol.set_on_connection_lost([&](const absl::Status&) { file.reset(); });
  file->reads.push_back(std::string());
  EXPECT_TRUE(reactor.FireRead(file.get()).ok());
  EXPECT_TRUE(file == nullptr);
  EXPECT_THAT(protocol.events(),
              ElementsAre("made", "write-lost", "read-lost", "lost"));
  EXPECT_TRUE(reactor.GetReaders().empty());
}

TEST(FileDescriptorHalfCloseLifetimeTest,
     DestroyedFromInsideWriteConnectionLost) {
  MemoryReactor reactor;
  HalfCloseableAccumulatingProtocol protocol;
  auto file = std::make_unique<MemoryFile>(&reactor, &protocol);
  file->Connect();
  protocol.set_on_write_connection_lost([&] { file->LoseConnection(); });
  protocol.set_on_connection_lost([&](const absl::Status&) { file.reset(); });
  file->LoseWriteConnection();
  EXPECT_TRUE(reactor.FireWrite(file.get()).ok());
  EXPECT_TRUE(file == nullptr);
  EXPECT_THAT(protocol.events(), ElementsAre("made", "write-lost", "lost"));
  EXPECT_TRUE(reactor.GetWriters().empty());
}

// A protocol that pauses its transport in ConnectionMade() gets no
// data until it resumes (Twisted starts reading before connecting the
// protocol; we used to start after, undoing the pause).
TEST(FileDescriptorPauseTest, PauseInConnectionMadeHolds) {
  MemoryReactor reactor;
  AccumulatingProtocol protocol;
  protocol.set_on_connection_made(
      [&] { dynamic_cast<Producer*>(protocol.transport())->PauseProducing(); });
  MemoryFile file(&reactor, &protocol);
  file.reads.push_back(std::string("early"));
  file.Connect();
  EXPECT_FALSE(reactor.HasReader(&file));
  EXPECT_EQ(reactor.RunReaders(), 0u);
  EXPECT_EQ(protocol.data(), "");
  file.ResumeProducing();
  EXPECT_EQ(reactor.RunReaders(), 1u);
  EXPECT_EQ(protocol.data(), "early");
}

TEST(FileDescriptorConnectingTest, WritesWhileConnectingGoFirst) {
  MemoryReactor reactor;
  AccumulatingProtocol protocol;
  protocol.set_on_connection_made(
      [&] { protocol.transport()->Write(" then hello"); });
  MemoryFile file(&reactor, &protocol);
  file.EnableEagerWrites();
  file.Connecting();
  EXPECT_TRUE(file.connecting());
  EXPECT_FALSE(file.connected());
  file.Write(std::string(FileDescriptor::kWriteThroughMin + 1, 'e'));
  EXPECT_EQ(file.written, "");  // Never written through while connecting.
  file.Connect();
  EXPECT_FALSE(file.connecting());
  reactor.RunWriters();
  EXPECT_EQ(
      file.written,
      std::string(FileDescriptor::kWriteThroughMin + 1, 'e') + " then hello");
}

TEST(FileDescriptorConnectingTest, LoseConnectionWhileConnectingClosesOnce) {
  MemoryReactor reactor;
  AccumulatingProtocol protocol;
  MemoryFile file(&reactor, &protocol);
  file.Connecting();
  file.Write("queued");
  file.LoseConnection();
  file.Connect();
  EXPECT_TRUE(protocol.made());
  EXPECT_FALSE(reactor.HasReader(&file));
  reactor.RunWriters();
  EXPECT_EQ(file.written, "queued");
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
}

TEST(FileDescriptorReadTest, NestedReadsDoNotClobberTheOuterData) {
  int a[2], b[2];
  ASSERT_EQ(::pipe(a), 0);
  ASSERT_EQ(::pipe(b), 0);
  MemoryReactor reactor;
  AccumulatingProtocol inner_protocol;
  MemoryFile inner(&reactor, &inner_protocol);
  inner.read_fd = b[0];
  inner.Connect();
  AccumulatingProtocol outer_protocol;
  std::string seen_after;
  outer_protocol.set_on_data([&](std::string_view data) {
    EXPECT_TRUE(reactor.FireRead(&inner).ok());  // Reads "inner".
    seen_after = std::string(data);
  });
  MemoryFile outer(&reactor, &outer_protocol);
  outer.read_fd = a[0];
  outer.Connect();
  ASSERT_EQ(::write(a[1], "outer", 5), 5);
  ASSERT_EQ(::write(b[1], "inner", 5), 5);
  EXPECT_TRUE(reactor.FireRead(&outer).ok());
  EXPECT_EQ(seen_after, "outer");
  EXPECT_EQ(inner_protocol.data(), "inner");
  for (int fd : {a[0], a[1], b[0], b[1]}) ::close(fd);
}

class NoWriter : public FileDescriptor {
 public:
  using FileDescriptor::FileDescriptor;
  void Connect() { StartConnected(); }
  int fileno() const override { return 7; }
  Address GetHost() const override { return UnixAddress{}; }
  Address GetPeer() const override { return UnixAddress{}; }
};

TEST(FileDescriptorDeathTest, BufferedWriteWithoutWriteSomeDataDies) {
  EXPECT_DEATH(
      {
        MemoryReactor reactor;
        NoWriter file(&reactor);
        file.Connect();
        file.Write("x");
        reactor.RunWriters();
      },
      "does not implement WriteSomeData");
}

}  // namespace
}  // namespace standin
