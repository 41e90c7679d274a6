// TimerQueue: the timed-call bookkeeping shared by every Reactor (an indexed
// heap of deadlines, FIFO among equal deadlines), and DelayedCall, the handle
// Reactor::CallLater() returns (Twisted's IDelayedCall).
//
// A reactor owns a TimerQueue and asks it what is due; it supplies the clock.
// The queue holds exactly its pending calls: Cancel() removes a call at once
// and Reschedule()/Delay() move it in place, so memory is O(live calls) however
// often a timeout is reset (an idle timeout reset on every message stays one
// entry; the heap's array, 40 bytes a slot, keeps its peak capacity as any
// std::vector does).
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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace standin {

class TimerQueue;

namespace timer_internal {
struct Entry {
  absl::Time when;
  // FIFO among equal deadlines: taken from the queue's counter when the call
  // is scheduled, and again when it is rescheduled.
  uint64_t sequence = 0;
  absl::AnyInvocable<void()> callback;
  enum class State { kPending, kCalled, kCancelled } state = State::kPending;
  // The owning queue while pending; null once run, cancelled or orphaned.
  TimerQueue* queue = nullptr;
  // Where the queue keeps it while pending: heap_[index], or incoming_[index]
  // when scheduled during a pass.
  bool incoming = false;
  size_t index = 0;
};
}  // namespace timer_internal

// A handle to a scheduled call. Copyable; every copy refers to the same call.
// A default-constructed handle refers to nothing and is never active().
// Handles may outlive the queue: once the queue is gone they are inactive.
class DelayedCall {
 public:
  DelayedCall() = default;

  // Scheduled and neither run nor cancelled. False inside the call's own
  // callback (it counts as called once it starts, as in Twisted).
  bool active() const;
  bool called() const;
  bool cancelled() const;
  // When it is (or was) due; absl::InfinitePast() for an empty handle.
  absl::Time time() const;

  // Cancels the call and frees its queue entry and callback now; a no-op
  // when it is not active().
  void Cancel();
  // Moves the deadline to `when` (earlier or later). A rescheduled call
  // takes its place as if it were scheduled now: after the calls already
  // due at `when`, and, when done during a pass, not before the next pass
  // (so Reschedule() is Cancel() plus a fresh Schedule() that keeps the
  // handle). Twisted has no single rule here: its reactor re-queues a call
  // moved later when the old deadline comes up and sifts one moved earlier
  // within a heap whose order among equal times is unspecified, while
  // task.Clock keeps the original scheduling position. This rule is the
  // same on every reactor and for both directions. FailedPrecondition when
  // not active() ("already called" / "already cancelled").
  absl::Status Reschedule(absl::Time when);
  // Moves the deadline by `by` from time() (Twisted's delay()); ordering as
  // for Reschedule().
  absl::Status Delay(absl::Duration by);

  // "DelayedCall{due 1970-01-01T00:00:05+00:00, pending}" (UTC; "called",
  // "cancelled"), "DelayedCall{}" for an empty handle.
  friend void PrintTo(const DelayedCall& call, std::ostream* os);

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
  // Pending calls are cancelled (their handles become inactive) and their
  // callbacks destroyed.
  ~TimerQueue();

  DelayedCall Schedule(absl::Time when, absl::AnyInvocable<void()> callback);

  // The earliest pending deadline, if any.
  std::optional<absl::Time> NextDeadline() const;

  // Runs the calls due at or before `now`, earliest first (FIFO for equal
  // deadlines). Only calls already scheduled when the pass begins run: one
  // that a callback schedules or reschedules (even to a past deadline)
  // waits for the next pass, so a self-rescheduling callback cannot starve
  // the loop. Returns how many ran.
  //
  // An exception from a callback ends the pass and propagates; the queue
  // stays consistent (that call counts as called, every other call is still
  // pending). A callback may run a nested pass (e.g. Clock::Advance() from a
  // timed call); it starts with everything scheduled so far.
  size_t RunDue(absl::Time now);

  // Pending (active) calls, in due order.
  std::vector<DelayedCall> Pending() const;
  size_t pending_count() const { return pending_count_; }
  // Entries the queue stores (its heap plus calls scheduled during the
  // current pass). Equal to pending_count(): no cancelled or superseded
  // entry lingers. Exposed so tests can prove memory stays O(live calls).
  size_t heap_entries() const { return heap_.size() + incoming_.size(); }

 private:
  friend class DelayedCall;
  using EntryPtr = std::shared_ptr<timer_internal::Entry>;
  // A heap slot keeps the ordering key beside the entry so that sifting
  // compares without chasing pointers.
  struct Slot {
    absl::Time when;
    uint64_t sequence;
    EntryPtr entry;
  };
  static bool Before(const Slot& a, const Slot& b) {
    if (a.when != b.when) return a.when < b.when;
    return a.sequence < b.sequence;
  }

  // Gives `entry` a fresh sequence number and files it: in the heap, or in
  // incoming_ while a pass runs.
  void Insert(EntryPtr entry);
  void HeapInsert(EntryPtr entry);
  // Takes `entry` out of wherever it is filed.
  void Unlink(timer_internal::Entry& entry);
  void Reschedule(timer_internal::Entry& entry, absl::Time when);
  // Moves calls scheduled during a pass into the heap.
  void MergeIncoming();
  // Places `slot` at heap_[index], moving it up or down to where it belongs.
  void SiftUp(size_t index, Slot slot);
  void SiftDown(size_t index, Slot slot);
  void Place(size_t index, Slot slot);

  std::vector<Slot> heap_;  // A binary min-heap on (when, sequence).
  std::vector<EntryPtr> incoming_;
  int passes_running_ = 0;
  uint64_t next_sequence_ = 0;
  size_t pending_count_ = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_TIMER_QUEUE_H_
