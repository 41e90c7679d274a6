// TimerQueue: the timed-call bookkeeping shared by every Reactor (a heap of
// deadlines with FIFO order for equal deadlines), and DelayedCall, the handle
// Reactor::CallLater() returns (Twisted's IDelayedCall).
//
// A reactor owns a TimerQueue and asks it what is due; it supplies the clock.
//
// Example:
//
//   standin::TimerQueue timers;
//   absl::Time now = absl::UnixEpoch();
//   standin::DelayedCall call = timers.Schedule(now + absl::Seconds(1), [] {
//     std::puts("tick");
//   });
//   call.Delay(absl::Seconds(1));          // now due at +2 s
//   timers.RunDue(now + absl::Seconds(2));  // prints "tick"
//   EXPECT_FALSE(call.active());
#ifndef STANDIN_TRANSPORT_TIMER_QUEUE_H_
#define STANDIN_TRANSPORT_TIMER_QUEUE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace standin {

class TimerQueue;

namespace timer_internal {
struct Entry {
  absl::Time when;
  uint64_t sequence = 0;  // FIFO among equal deadlines; bumped on reschedule.
  absl::AnyInvocable<void()> callback;
  enum class State { kPending, kCalled, kCancelled } state = State::kPending;
  TimerQueue* queue = nullptr;
};
}  // namespace timer_internal

// A handle to a scheduled call. Copyable; every copy refers to the same call.
// A default-constructed handle refers to nothing and is never active().
// Handles may outlive the queue: once the queue is gone they are inactive.
class DelayedCall {
 public:
  DelayedCall() = default;

  // Scheduled and neither run nor cancelled.
  bool active() const;
  bool called() const;
  bool cancelled() const;
  // When it is (or was) due; absl::InfinitePast() for an empty handle.
  absl::Time time() const;

  // Cancels the call; a no-op when it is not active().
  void Cancel();
  // Moves the deadline to `when` (earlier or later). FailedPrecondition when
  // not active ("already called" / "already cancelled").
  absl::Status Reschedule(absl::Time when);
  // Moves the deadline by `by` (Twisted's delay()).
  absl::Status Delay(absl::Duration by);

 private:
  friend class TimerQueue;
  explicit DelayedCall(std::shared_ptr<timer_internal::Entry> entry)
      : entry_(std::move(entry)) {}
  std::shared_ptr<timer_internal::Entry> entry_;
};

class TimerQueue {
 public:
  TimerQueue() = default;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  // Pending calls are cancelled (their handles become inactive).
  ~TimerQueue();

  DelayedCall Schedule(absl::Time when, absl::AnyInvocable<void()> callback);

  // The earliest pending deadline, if any.
  std::optional<absl::Time> NextDeadline();

  // Runs the calls due at or before `now`, earliest first (FIFO for equal
  // deadlines). Only calls already scheduled when the pass begins run: one
  // that a callback schedules (even with zero delay) waits for the next pass,
  // so a self-rescheduling callback cannot starve the loop. Returns how many
  // ran.
  size_t RunDue(absl::Time now);

  // Pending (active) calls, in due order.
  std::vector<DelayedCall> Pending() const;
  size_t pending_count() const { return pending_count_; }

 private:
  friend class DelayedCall;
  using EntryPtr = std::shared_ptr<timer_internal::Entry>;
  struct HeapItem {
    absl::Time when;
    uint64_t sequence;
    EntryPtr entry;
  };
  struct Later {
    bool operator()(const HeapItem& a, const HeapItem& b) const {
      if (a.when != b.when) return a.when > b.when;
      return a.sequence > b.sequence;
    }
  };

  void Push(const EntryPtr& entry);
  // Drops heap items that are stale (cancelled, called or rescheduled).
  void DropStale();

  std::priority_queue<HeapItem, std::vector<HeapItem>, Later> heap_;
  uint64_t next_sequence_ = 0;
  size_t pending_count_ = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_TIMER_QUEUE_H_
