// MemoryReactor against the Reactor conformance suite (the same tests run
// against EpollReactor in //transport:epoll_reactor_conformance_test).
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/testutil/reactor_conformance.h"

namespace standin::testutil {
namespace {

// MemoryReactor polls nothing, so this harness plays epoll's part: a
// descriptor is readable from MakeReadable() until Consume(), and every
// watched descriptor is writable. A turn dispatches what is ready as
// EpollReactor does (read then write per selectable, each only if it is
// still registered for that direction), then runs one clock pass.
class MemoryHarness : public ReactorHarness {
 public:
  Reactor& reactor() override { return reactor_; }
  int NewDescriptor() override { return next_fd_++; }
  void MakeReadable(int fd) override { readable_.insert(fd); }
  void Consume(int fd) override { readable_.erase(fd); }

  void Turn() override {
    struct Ready {
      Selectable* selectable;
      bool read;
      bool write;
    };
    // What epoll_wait() would report now. A negative fileno() is never
    // ready (the reactor disconnects it on the clock pass).
    std::vector<Ready> ready;
    auto note = [&](Selectable* selectable, bool write) {
      for (Ready& r : ready) {
        if (r.selectable == selectable) {
          (write ? r.write : r.read) = true;
          return;
        }
      }
      ready.push_back({selectable, !write, write});
    };
    for (Selectable* reader : reactor_.GetReaders()) {
      if (readable_.contains(reader->fileno())) note(reader, false);
    }
    for (Selectable* writer : reactor_.GetWriters()) {
      if (writer->fileno() >= 0) note(writer, true);
    }
    for (const Ready& r : ready) {
      if (r.read && reactor_.HasReader(r.selectable) &&
          !reactor_.FireRead(r.selectable).ok()) {
        continue;
      }
      if (r.write && reactor_.HasWriter(r.selectable)) {
        reactor_.FireWrite(r.selectable).IgnoreError();
      }
    }
    reactor_.clock().RunPass();
  }

  bool RunUntil(absl::FunctionRef<bool()> done) override {
    for (int step = 0; step < 100'000; ++step) {
      if (done()) return true;
      Turn();
      if (done()) return true;
      std::optional<absl::Time> next = reactor_.clock().timers().NextDeadline();
      if (!next.has_value() || *next == absl::InfiniteFuture()) {
        if (!AnythingReady()) return false;
      } else if (*next > reactor_.Now()) {
        reactor_.Advance(*next - reactor_.Now());
      }
    }
    return false;
  }

  size_t unhandled_errors() const override {
    return reactor_.unhandled_errors();
  }
  const TimerQueue& timers() const override {
    return reactor_.clock().timers();
  }

 private:
  bool AnythingReady() const {
    if (!reactor_.GetWriters().empty()) return true;
    for (Selectable* reader : reactor_.GetReaders()) {
      if (readable_.contains(reader->fileno())) return true;
    }
    return false;
  }

  MemoryReactor reactor_;
  absl::flat_hash_set<int> readable_;
  int next_fd_ = 100;
};

INSTANTIATE_TEST_SUITE_P(Memory, ReactorConformanceTest,
                         ::testing::Values(ReactorHarnessFactory{
                             "memory",
                             [] { return std::make_unique<MemoryHarness>(); }}),
                         HarnessName<ReactorHarness>);

}  // namespace
}  // namespace standin::testutil
