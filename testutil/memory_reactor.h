// MemoryReactor: a Reactor that performs no I/O (Twisted's
// testing.MemoryReactorClock). It records which Selectables are readers and
// writers, in the order they were added, and keeps time with a Clock that
// moves only when the test calls Advance().
//
// A test drives readiness itself: FireRead()/FireWrite() call DoRead()/
// DoWrite() exactly as EpollReactor would (a failure removes the selectable
// and calls its ConnectionLost()), and RunWriters() gives every writer one
// turn, which flushes a FileDescriptor whose fake descriptor accepts the
// bytes.
//
// Example:
//
//   standin::testutil::MemoryReactor reactor;
//   MyDescriptor descriptor(&reactor, &protocol);  // a FileDescriptor
//   descriptor.Write("hello");
//   EXPECT_TRUE(reactor.HasWriter(&descriptor));
//   reactor.RunWriters();                         // one DoWrite() each
//   EXPECT_FALSE(reactor.HasWriter(&descriptor));
//   reactor.Advance(absl::Seconds(30));           // fires a timeout
#ifndef STANDIN_TESTUTIL_MEMORY_REACTOR_H_
#define STANDIN_TESTUTIL_MEMORY_REACTOR_H_

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "standin/testutil/clock.h"
#include "standin/transport/reactor.h"
#include "standin/transport/timer_queue.h"

namespace standin::testutil {

class MemoryReactor : public Reactor {
 public:
  explicit MemoryReactor(absl::Time start = absl::UnixEpoch())
      : clock_(start) {}
  MemoryReactor(const MemoryReactor&) = delete;
  MemoryReactor& operator=(const MemoryReactor&) = delete;

  // Reactor. GetReaders()/GetWriters() list in the order added.
  void AddReader(Selectable* selectable) override;
  void AddWriter(Selectable* selectable) override;
  void RemoveReader(Selectable* selectable) override;
  void RemoveWriter(Selectable* selectable) override;
  std::vector<Selectable*> RemoveAll() override;
  std::vector<Selectable*> GetReaders() const override { return readers_; }
  std::vector<Selectable*> GetWriters() const override { return writers_; }
  DelayedCall CallLater(absl::Duration delay,
                        absl::AnyInvocable<void()> callback) override {
    return clock_.CallLater(delay, std::move(callback));
  }
  absl::Time Now() const override { return clock_.Now(); }

  bool HasReader(const Selectable* selectable) const;
  bool HasWriter(const Selectable* selectable) const;

  // Time: see Clock.
  void Advance(absl::Duration amount) { clock_.Advance(amount); }
  void Pump(std::initializer_list<absl::Duration> amounts) {
    clock_.Pump(amounts);
  }
  Clock& clock() { return clock_; }

  // Calls selectable->DoRead() as a reactor would on readability; dies if it
  // is not a reader (a real reactor would never call it). A non-OK result
  // removes it as reader and writer and calls its ConnectionLost() with that
  // status, which is returned.
  absl::Status FireRead(Selectable* selectable);
  // Same for DoWrite(); dies unless it is a writer.
  absl::Status FireWrite(Selectable* selectable);
  // One FireWrite() for each current writer (those removed meanwhile are
  // skipped). Returns how many were called.
  size_t RunWriters();
  // One FireRead() for each current reader.
  size_t RunReaders();

  // Calls to AddReader()/AddWriter() so far, including repeats (Twisted
  // tests count them to prove a transport does not re-register needlessly).
  size_t add_reader_calls() const { return add_reader_calls_; }
  size_t add_writer_calls() const { return add_writer_calls_; }

 private:
  absl::Status Fire(Selectable* selectable, bool write);

  Clock clock_;
  std::vector<Selectable*> readers_;
  std::vector<Selectable*> writers_;
  size_t add_reader_calls_ = 0;
  size_t add_writer_calls_ = 0;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_MEMORY_REACTOR_H_
