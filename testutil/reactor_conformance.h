// The Reactor conformance suite: one set of behavioural tests every Reactor
// must pass, the in-memory double (MemoryReactor) and the real one
// (EpollReactor) alike, so code tested on the double behaves the same on
// the real loop (Twisted's ReactorBuilder tests: test_fdset.py,
// test_time.py, test_core.py). It holds both to the contract in
// transport/reactor.h: registration (also from inside a dispatch),
// RemoveAll(), GetReaders()/GetWriters(), failing and throwing callbacks,
// negative fileno(), CallLater ordering, cancel, reschedule, delay, pass
// boundaries, and timers that stay O(live) under resets.
//
// To run it against a reactor, implement a ReactorHarness and instantiate
// the value-parameterised suite with a factory for it:
//
//   class MyHarness : public standin::testutil::ReactorHarness { ... };
//
//   using ::standin::testutil::ReactorConformanceTest;  // gtest wants
//   INSTANTIATE_TEST_SUITE_P(                          // a plain name
//       Mine, ReactorConformanceTest,
//       ::testing::Values(standin::testutil::ReactorHarnessFactory{
//           "mine", [] { return std::make_unique<MyHarness>(); }}),
//       standin::testutil::HarnessName<standin::testutil::ReactorHarness>);
//
// and link the test against //testutil:reactor_conformance (alwayslink).
#ifndef STANDIN_TESTUTIL_REACTOR_CONFORMANCE_H_
#define STANDIN_TESTUTIL_REACTOR_CONFORMANCE_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "standin/testutil/harness_factory.h"
#include "standin/transport/reactor.h"
#include "standin/transport/timer_queue.h"

namespace standin::testutil {

// The suite's handle on one reactor. This is the one place where the
// reactors may differ; every test is written against it:
//  - Readiness. EpollReactor polls real descriptors; MemoryReactor polls
//    nothing, so its harness simulates readiness the way epoll reports it
//    (level-triggered; a watched descriptor is always writable; readable
//    from MakeReadable() until Consume()).
//  - Time. EpollReactor's clock is real and moves by itself; MemoryReactor's
//    moves only when its harness advances it. Tests never assume how much
//    time a turn takes, only the order of events and that no call runs
//    before its deadline.
class ReactorHarness {
 public:
  virtual ~ReactorHarness() = default;

  virtual Reactor& reactor() = 0;

  // A descriptor number the reactor can watch, valid while the harness
  // lives and always writable (EpollReactor: one end of a socketpair;
  // MemoryReactor: a fresh number).
  virtual int NewDescriptor() = 0;
  // Makes `fd` readable until Consume(fd) (EpollReactor: the peer writes a
  // byte; MemoryReactor: marked ready).
  virtual void MakeReadable(int fd) = 0;
  // Takes whatever made `fd` readable.
  virtual void Consume(int fd) = 0;

  // One turn without waiting: dispatch to the ready selectables, then one
  // pass of the timed calls due now (EpollReactor::RunOnce(zero)).
  virtual void Turn() = 0;
  // Runs turns, letting time pass, until `done()` holds (checked before and
  // after every turn). False if it never does: EpollReactor gives up after
  // a generous real deadline; MemoryReactor jumps its clock to the next
  // deadline whenever nothing is due and gives up when nothing is left.
  virtual bool RunUntil(absl::FunctionRef<bool()> done) = 0;

  // The reactor's count of callbacks that threw (reactor.h).
  virtual size_t unhandled_errors() const = 0;
  // The reactor's timed calls, to count heap entries.
  virtual const TimerQueue& timers() const = 0;
};

using ReactorHarnessFactory = HarnessFactory<ReactorHarness>;

// A Selectable whose callbacks a test scripts. DoRead() consumes the
// readiness first (so level-triggered readiness ends), then runs on_read.
class ReactorProbe : public Selectable {
 public:
  ReactorProbe(ReactorHarness* harness, int fd) : harness_(harness), fd_(fd) {}

  int fileno() const override {
    ++fileno_calls;
    return fd_;
  }
  absl::Status DoRead() override;
  absl::Status DoWrite() override;
  void ConnectionLost(const absl::Status& reason) override;
  void set_fd(int fd) { fd_ = fd; }

  int reads = 0;
  int writes = 0;
  mutable int fileno_calls = 0;
  std::vector<absl::Status> lost;
  std::function<absl::Status()> on_read;
  std::function<absl::Status()> on_write;
  std::function<void()> on_lost;

 private:
  ReactorHarness* harness_;
  int fd_;
};

// The suite. Each test gets a fresh harness (and reactor).
class ReactorConformanceTest : public ConformanceTest<ReactorHarness> {
 protected:
  Reactor& reactor() { return harness().reactor(); }
  // A probe on a fresh descriptor.
  ReactorProbe NewProbe() { return ReactorProbe(&harness(), NewFd()); }
  int NewFd() { return harness().NewDescriptor(); }
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_REACTOR_CONFORMANCE_H_
