// What is particular to EpollReactor: hangups, descriptors the kernel
// refuses or reuses, shutdown, Run()/Stop(). What every Reactor must do
// (registration, dispatch safety, failures, timers) is the conformance
// suite's, run against this reactor in epoll_reactor_conformance_test.
#include "standin/transport/epoll_reactor.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
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

// A descriptor epoll_ctl() refuses is treated like a negative fileno(): the
// selectable hears why, with the errno, on the next turn.
TEST(EpollReactorTest, DescriptorTheKernelRefusesIsDisconnectedWithTheErrno) {
  EpollReactor reactor;
  FILE* file = std::tmpfile();  // Regular files cannot be polled: EPERM.
  ASSERT_NE(file, nullptr);
  Probe regular(::fileno(file));
  Probe closed(100000);  // Not an open descriptor: EBADF.
  reactor.AddReader(&regular);
  reactor.AddWriter(&closed);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&regular));
  EXPECT_THAT(reactor.GetWriters(), ElementsAre(&closed));
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  ASSERT_EQ(regular.lost.size(), 1u);
  EXPECT_EQ(ErrnoOf(regular.lost[0]), EPERM) << regular.lost[0];
  ASSERT_EQ(closed.lost.size(), 1u);
  EXPECT_EQ(ErrnoOf(closed.lost[0]), EBADF) << closed.lost[0];
  EXPECT_EQ(regular.reads + closed.writes, 0);
  EXPECT_THAT(reactor.GetReaders(), IsEmpty());
  EXPECT_THAT(reactor.GetWriters(), IsEmpty());
  EXPECT_EQ(reactor.unhandled_errors(), 0u);
  std::fclose(file);
}

// The notice is a due timer, so a turn that would otherwise wait forever
// does not (a hang here would time the test out).
TEST(EpollReactorTest, PendingRejectionDoesNotLetRunOnceBlock) {
  EpollReactor reactor;
  Probe probe(-1);
  reactor.AddReader(&probe);
  ASSERT_TRUE(reactor.RunOnce(absl::InfiniteDuration()).ok());
  EXPECT_EQ(probe.lost.size(), 1u);
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

TEST(EpollReactorTest, NowIsMonotonic) {
  EpollReactor reactor;
  absl::Time a = reactor.Now();
  absl::Time b = reactor.Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace standin
