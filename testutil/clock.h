// Clock: deterministic time for tests (Twisted's task.Clock). Time stands
// still until the test calls Advance(); then every call that became due runs,
// earliest first, FIFO among equal deadlines.
//
// Code under test takes a Reactor* (MemoryReactor wraps a Clock) or a Clock&
// directly; the test decides when time passes, so timeouts are tested without
// sleeping and never flake.
//
// Example:
//
//   standin::testutil::Clock clock;
//   int fired = 0;
//   standin::DelayedCall call =
//       clock.CallLater(absl::Seconds(5), [&] { ++fired; });
//   clock.Advance(absl::Seconds(4));
//   EXPECT_EQ(fired, 0);
//   ASSERT_TRUE(call.Delay(absl::Seconds(2)).ok());  // now due at +7 s
//   clock.Pump({absl::Seconds(1), absl::Seconds(2)});
//   EXPECT_EQ(fired, 1);
//   EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Seconds(7));
#ifndef STANDIN_TESTUTIL_CLOCK_H_
#define STANDIN_TESTUTIL_CLOCK_H_

#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "standin/transport/timer_queue.h"

namespace standin::testutil {

class Clock {
 public:
  // Time starts at `start` (the Unix epoch by default, like Twisted's 0.0).
  explicit Clock(absl::Time start = absl::UnixEpoch()) : now_(start) {}
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  absl::Time Now() const { return now_; }

  // Schedules `callback` at Now() + `delay`. It runs inside a later
  // Advance() (a zero or negative delay: the next Advance(), even by zero).
  DelayedCall CallLater(absl::Duration delay,
                        absl::AnyInvocable<void()> callback);

  // Moves time forward by `amount` and runs every call due at the new time,
  // earliest first, FIFO among equal deadlines; calls scheduled by those
  // callbacks run too if they are due by then (Twisted's advance()). Now()
  // is already the new time inside the callbacks. A negative `amount` dies:
  // time does not run backwards. An exception from a callback propagates
  // out of Advance() (as in Twisted's Clock, so a test sees it); time has
  // moved, and the calls still due run on the next Advance(), even by zero.
  // MemoryReactor, a Reactor, catches them instead (see reactor.h).
  void Advance(absl::Duration amount);

  // Runs one pass of the calls due at Now() without moving time: those
  // scheduled before the pass, earliest first; calls they schedule wait for
  // the next pass (a reactor turn runs one pass, while Advance() runs passes
  // until nothing is due). Returns how many ran.
  size_t RunPass() { return timers_.RunDue(now_); }

  // Advance() by each amount in turn (Twisted's pump()).
  void Pump(absl::Span<const absl::Duration> amounts);
  void Pump(std::initializer_list<absl::Duration> amounts) {
    Pump(absl::Span<const absl::Duration>(amounts.begin(), amounts.size()));
  }

  // Pending calls in the order they would run (Twisted's getDelayedCalls()).
  std::vector<DelayedCall> GetDelayedCalls() const { return timers_.Pending(); }
  size_t pending_count() const { return timers_.pending_count(); }
  // The queue itself, e.g. to count its heap_entries() in a memory test.
  const TimerQueue& timers() const { return timers_; }

  // "Clock{now 1970-01-01T00:00:04+00:00 (UTC), 1 pending call, next due
  // 1970-01-01T00:00:07+00:00}".
  friend void PrintTo(const Clock& clock, std::ostream* os);

 private:
  absl::Time now_;
  TimerQueue timers_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_CLOCK_H_
