// EpollReactor over real descriptors (socketpairs): registration
// (Twisted's internet/test/test_fdset.py), dispatch safety, timers.
#include "standin/transport/epoll_reactor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// Two connected sockets, closed on destruction unless released.
struct SocketPair {
  SocketPair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  }
  ~SocketPair() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  void Close(int i) {
    ::close(fds[i]);
    fds[i] = -1;
  }
  int fds[2] = {-1, -1};
};

// A Selectable whose callbacks the test scripts.
class Probe : public Selectable {
 public:
  explicit Probe(int fd) : fd_(fd) {}
  int fileno() const override { return fd_; }
  absl::Status DoRead() override {
    ++reads;
    if (on_read) return on_read();
    char buf[256];
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n > 0) data.append(buf, n);
    if (n == 0) return ConnectionDone();
    return absl::OkStatus();
  }
  absl::Status DoWrite() override {
    ++writes;
    if (on_write) return on_write();
    return absl::OkStatus();
  }
  void ConnectionLost(const absl::Status& reason) override {
    lost.push_back(reason);
  }
  void set_fd(int fd) { fd_ = fd; }

  int reads = 0;
  int writes = 0;
  std::string data;
  std::vector<absl::Status> lost;
  std::function<absl::Status()> on_read;
  std::function<absl::Status()> on_write;

 private:
  int fd_;
};

void Send(int fd, std::string_view bytes) {
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()),
            static_cast<ssize_t>(bytes.size()));
}

TEST(EpollReactorTest, ReaderIsCalledWhenReadable) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  reactor.AddReader(&probe);
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(probe.reads, 0);
  Send(pair.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(probe.reads, 1);
  EXPECT_EQ(probe.data, "x");
}

TEST(EpollReactorTest, RemovedReaderIsNotCalled) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  reactor.AddReader(&probe);
  reactor.AddReader(&probe);  // Twice is once.
  reactor.RemoveReader(&probe);
  reactor.RemoveReader(&probe);  // Removing again is harmless.
  Send(pair.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(probe.reads, 0);
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
}

TEST(EpollReactorTest, WriterIsCalledWhenWritable) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  reactor.AddWriter(&probe);
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(probe.writes, 1);
  reactor.RemoveWriter(&probe);
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(probe.writes, 1);
}

TEST(EpollReactorTest, ReaderAndWriterOnOneSelectableAreIndependent) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  reactor.AddReader(&probe);
  reactor.AddWriter(&probe);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&probe));
  EXPECT_THAT(reactor.GetWriters(), ElementsAre(&probe));
  reactor.RemoveWriter(&probe);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&probe));
  EXPECT_THAT(reactor.GetWriters(), IsEmpty());
  Send(pair.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(probe.reads, 1);
  EXPECT_EQ(probe.writes, 0);
}

TEST(EpollReactorTest, RemoveAllReturnsEachSelectableOnce) {
  EpollReactor reactor;
  SocketPair a, b;
  Probe reader(a.fds[0]), both(b.fds[0]), writer(a.fds[1]);
  reactor.AddReader(&reader);
  reactor.AddReader(&both);
  reactor.AddWriter(&both);
  reactor.AddWriter(&writer);
  EXPECT_THAT(reactor.RemoveAll(),
              UnorderedElementsAre(&reader, &both, &writer));
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
  EXPECT_THAT(reactor.GetWriters(), IsEmpty());
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(both.writes + writer.writes, 0);
}

TEST(EpollReactorTest, FailingDoReadRemovesAndReportsConnectionLost) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  reactor.AddReader(&probe);
  reactor.AddWriter(&probe);
  probe.on_read = [] { return ConnectionLost("bad", ECONNRESET); };
  Send(pair.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(ErrnoOf(probe.lost[0]), ECONNRESET);
  EXPECT_EQ(probe.writes, 0);  // Not called after the failed read.
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
  EXPECT_THAT(reactor.GetWriters(), IsEmpty());
}

TEST(EpollReactorTest, ThrowingCallbacksDoNotBreakTheLoop) {
  EpollReactor reactor;
  SocketPair pair;
  Probe thrower(pair.fds[0]);
  thrower.on_read = []() -> absl::Status { throw std::runtime_error("boom"); };
  reactor.AddReader(&thrower);
  bool timer_ran = false;
  reactor.CallLater(absl::ZeroDuration(),
                    [] { throw std::runtime_error("timer boom"); });
  reactor.CallLater(absl::ZeroDuration(), [&] { timer_ran = true; });
  Send(pair.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  ASSERT_EQ(thrower.lost.size(), 1u);
  EXPECT_EQ(thrower.lost[0].code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(thrower.lost[0].message()),
              ::testing::HasSubstr("boom"));
  EXPECT_TRUE(timer_ran);
  EXPECT_EQ(reactor.unhandled_errors(), 1u);
  // The loop still works.
  SocketPair other;
  Probe probe(other.fds[0]);
  reactor.AddReader(&probe);
  Send(other.fds[1], "y");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(probe.data, "y");
}

// A descriptor removed during dispatch is not called again in that turn.
TEST(EpollReactorTest, SelectableRemovedDuringDispatchIsNotCalled) {
  EpollReactor reactor;
  SocketPair a, b;
  Probe first(a.fds[0]);
  Probe second(b.fds[0]);
  // Whichever runs first removes the other.
  first.on_read = [&] {
    reactor.RemoveReader(&second);
    return absl::OkStatus();
  };
  second.on_read = [&] {
    reactor.RemoveReader(&first);
    return absl::OkStatus();
  };
  reactor.AddReader(&first);
  reactor.AddReader(&second);
  Send(a.fds[1], "x");
  Send(b.fds[1], "x");
  // Wait until both are readable so both land in one epoll_wait().
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(first.reads + second.reads, 1);
}

TEST(EpollReactorTest, SelectableDestroyedDuringDispatchIsNotCalled) {
  EpollReactor reactor;
  SocketPair a, b;
  auto first = std::make_unique<Probe>(a.fds[0]);
  auto second = std::make_unique<Probe>(b.fds[0]);
  int calls = 0;
  // Each deletes the other; a destroyed Selectable must be removed by its
  // owner (FileDescriptor does so in its destructor).
  first->on_read = [&] {
    ++calls;
    reactor.RemoveReader(second.get());
    second.reset();
    return absl::OkStatus();
  };
  second->on_read = [&] {
    ++calls;
    reactor.RemoveReader(first.get());
    first.reset();
    return absl::OkStatus();
  };
  reactor.AddReader(first.get());
  reactor.AddReader(second.get());
  Send(a.fds[1], "x");
  Send(b.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(calls, 1);
}

TEST(EpollReactorTest, HangupGoesToDoRead) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  reactor.AddReader(&probe);
  pair.Close(1);
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(probe.reads, 1);
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_TRUE(IsConnectionDone(probe.lost[0]));
}

TEST(EpollReactorTest, HangupOfAWriteOnlyDescriptorGoesToDoWrite) {
  EpollReactor reactor;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  Probe writer(fds[1]);
  writer.on_write = [] { return ConnectionLost("EPIPE", EPIPE); };
  reactor.AddWriter(&writer);
  ::close(fds[0]);  // EPOLLERR on the write end.
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(writer.writes, 1);
  ASSERT_EQ(writer.lost.size(), 1u);
  ::close(fds[1]);
}

// Twisted: test_negativeOneFileDescriptor.
TEST(EpollReactorTest, SelectableWhoseFilenoBecomesMinusOneIsDisconnected) {
  EpollReactor reactor;
  SocketPair pair;
  Probe probe(pair.fds[0]);
  probe.on_read = [&] {
    char c;
    EXPECT_EQ(::read(pair.fds[0], &c, 1), 1);
    probe.set_fd(-1);
    return absl::OkStatus();
  };
  reactor.AddReader(&probe);
  Send(pair.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_TRUE(IsConnectionLost(probe.lost[0]));
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
}

// The fd number of a closed, never-removed descriptor is reused: only the
// new holder hears about it.
TEST(EpollReactorTest, ReusedDescriptorNumberGoesToTheNewHolder) {
  EpollReactor reactor;
  SocketPair old_pair;
  Probe stale(old_pair.fds[0]);
  reactor.AddReader(&stale);
  const int number = old_pair.fds[0];
  old_pair.Close(0);  // Without RemoveReader().
  SocketPair fresh;
  ASSERT_EQ(::dup2(fresh.fds[0], number), number);
  Probe holder(number);
  reactor.AddReader(&holder);
  Send(fresh.fds[1], "x");
  ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_EQ(stale.reads, 0);
  EXPECT_EQ(holder.reads, 1);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&holder));
  reactor.RemoveReader(&holder);
  ::close(number);
}

// Twisted: test_connectionLostOnShutdown.
TEST(EpollReactorTest, DisconnectAllTellsEverySelectable) {
  EpollReactor reactor;
  SocketPair pair;
  Probe a(pair.fds[0]), b(pair.fds[1]);
  reactor.AddReader(&a);
  reactor.AddWriter(&b);
  reactor.DisconnectAll();
  EXPECT_EQ(a.lost.size(), 1u);
  EXPECT_EQ(b.lost.size(), 1u);
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
}

TEST(EpollReactorTest, NegativeFilenoIsNotRegistered) {
  EpollReactor reactor;
  Probe probe(-1);
  reactor.AddReader(&probe);
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
  EXPECT_EQ(reactor.unhandled_errors(), 1u);
}

TEST(EpollReactorTest, TimersRunInDeadlineThenFifoOrder) {
  EpollReactor reactor;
  std::vector<std::string> order;
  reactor.CallLater(absl::Milliseconds(2), [&] { order.push_back("late"); });
  reactor.CallLater(absl::ZeroDuration(), [&] { order.push_back("a"); });
  reactor.CallLater(absl::ZeroDuration(), [&] { order.push_back("b"); });
  reactor.CallLater(-absl::Seconds(1), [&] { order.push_back("past"); });
  DelayedCall cancelled =
      reactor.CallLater(absl::ZeroDuration(), [&] { order.push_back("no"); });
  cancelled.Cancel();
  while (order.size() < 4) ASSERT_TRUE(reactor.RunOnce(absl::Seconds(10)).ok());
  EXPECT_THAT(order, ElementsAre("past", "a", "b", "late"));
}

TEST(EpollReactorTest, RunReturnsAfterStopWithoutSpinning) {
  EpollReactor reactor;
  absl::Time start = reactor.Now();
  reactor.CallLater(absl::Milliseconds(30), [&] { reactor.Stop(); });
  ASSERT_TRUE(reactor.Run().ok());
  EXPECT_GE(reactor.Now() - start, absl::Milliseconds(30));
  // One turn per wake-up: waiting for the timer does not spin.
  EXPECT_LE(reactor.turns(), 3u);
}

TEST(EpollReactorTest, StopBeforeRunMakesRunReturnAfterOneTurn) {
  EpollReactor reactor;
  reactor.Stop();
  ASSERT_TRUE(reactor.Run().ok());
  EXPECT_EQ(reactor.turns(), 1u);
}

TEST(EpollReactorTest, TimerScheduledByATimerWaitsForTheNextTurn) {
  EpollReactor reactor;
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    reactor.CallLater(absl::ZeroDuration(), again);
  };
  reactor.CallLater(absl::ZeroDuration(), again);
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(runs, 1);
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(runs, 2);
}

TEST(EpollReactorTest, NowIsMonotonic) {
  EpollReactor reactor;
  absl::Time a = reactor.Now();
  absl::Time b = reactor.Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace standin
