// EpollReactor against the Reactor conformance suite (the same tests run
// against MemoryReactor in //testutil:memory_reactor_conformance_test).
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/testutil/reactor_conformance.h"
#include "standin/transport/epoll_reactor.h"

namespace standin {
namespace {

using ::standin::testutil::ReactorConformanceTest;
using ::standin::testutil::ReactorHarness;
using ::standin::testutil::ReactorHarnessFactory;

// Real descriptors: each is one end of a non-blocking socketpair (always
// writable); the other end makes it readable.
class EpollHarness : public ReactorHarness {
 public:
  ~EpollHarness() override {
    for (const auto& [fd, peer] : peers_) {
      ::close(fd);
      ::close(peer);
    }
  }

  Reactor& reactor() override { return reactor_; }

  int NewDescriptor() override {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                     fds) != 0) {
      ADD_FAILURE() << "socketpair failed";
      return -1;
    }
    peers_[fds[0]] = fds[1];
    return fds[0];
  }

  void MakeReadable(int fd) override {
    auto it = peers_.find(fd);
    ASSERT_TRUE(it != peers_.end()) << "not a harness descriptor: " << fd;
    ASSERT_EQ(::write(it->second, "x", 1), 1);
  }

  void Consume(int fd) override {
    char buf[64];
    while (::read(fd, buf, sizeof(buf)) > 0) {
    }
  }

  void Turn() override {
    absl::Status status = reactor_.RunOnce(absl::ZeroDuration());
    EXPECT_TRUE(status.ok()) << status;
  }

  bool RunUntil(absl::FunctionRef<bool()> done) override {
    const absl::Time deadline = reactor_.Now() + absl::Seconds(10);
    while (!done()) {
      if (reactor_.Now() >= deadline) return false;
      absl::Status status = reactor_.RunOnce(absl::Milliseconds(100));
      if (!status.ok()) {
        ADD_FAILURE() << status;
        return false;
      }
    }
    return true;
  }

  size_t unhandled_errors() const override {
    return reactor_.unhandled_errors();
  }
  const TimerQueue& timers() const override { return reactor_.timers(); }

 private:
  EpollReactor reactor_;
  absl::flat_hash_map<int, int> peers_;  // fd -> the end that writes to it
};

INSTANTIATE_TEST_SUITE_P(Epoll, ReactorConformanceTest,
                         ::testing::Values(ReactorHarnessFactory{
                             "epoll",
                             [] { return std::make_unique<EpollHarness>(); }}),
                         testutil::HarnessName<ReactorHarness>);

}  // namespace
}  // namespace standin
