#include "standin/transport/timer_queue.h"

#include <utility>

namespace standin {

using timer_internal::Entry;

bool DelayedCall::active() const {
  return entry_ != nullptr && entry_->state == Entry::State::kPending &&
         entry_->queue != nullptr;
}

bool DelayedCall::called() const {
  return entry_ != nullptr && entry_->state == Entry::State::kCalled;
}

bool DelayedCall::cancelled() const {
  return entry_ != nullptr && entry_->state == Entry::State::kCancelled;
}

absl::Time DelayedCall::time() const {
  return entry_ != nullptr ? entry_->when : absl::InfinitePast();
}

void DelayedCall::Cancel() {
  if (!active()) return;
  entry_->state = Entry::State::kCancelled;
  entry_->callback = nullptr;  // Release captures now, not at pop time.
  --entry_->queue->pending_count_;
}

absl::Status DelayedCall::Reschedule(absl::Time when) {
  if (entry_ == nullptr) {
    return absl::FailedPreconditionError("DelayedCall: nothing scheduled");
  }
  if (entry_->state == Entry::State::kCalled) {
    return absl::FailedPreconditionError("DelayedCall: already called");
  }
  if (entry_->state == Entry::State::kCancelled || entry_->queue == nullptr) {
    return absl::FailedPreconditionError("DelayedCall: already cancelled");
  }
  entry_->when = when;
  // The old heap item goes stale (sequence mismatch); push a fresh one.
  entry_->queue->Push(entry_);
  return absl::OkStatus();
}

absl::Status DelayedCall::Delay(absl::Duration by) {
  return Reschedule(time() + by);
}

TimerQueue::~TimerQueue() {
  while (!heap_.empty()) {
    const EntryPtr& entry = heap_.top().entry;
    entry->queue = nullptr;
    if (entry->state == Entry::State::kPending) {
      entry->state = Entry::State::kCancelled;
      entry->callback = nullptr;
    }
    heap_.pop();
  }
}

void TimerQueue::Push(const EntryPtr& entry) {
  entry->sequence = next_sequence_++;
  heap_.push(HeapItem{entry->when, entry->sequence, entry});
}

DelayedCall TimerQueue::Schedule(absl::Time when,
                                 absl::AnyInvocable<void()> callback) {
  auto entry = std::make_shared<Entry>();
  entry->when = when;
  entry->callback = std::move(callback);
  entry->queue = this;
  Push(entry);
  ++pending_count_;
  return DelayedCall(std::move(entry));
}

void TimerQueue::DropStale() {
  while (!heap_.empty()) {
    const HeapItem& top = heap_.top();
    if (top.entry->state == Entry::State::kPending &&
        top.entry->sequence == top.sequence) {
      return;
    }
    heap_.pop();
  }
}

std::optional<absl::Time> TimerQueue::NextDeadline() {
  DropStale();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().when;
}

size_t TimerQueue::RunDue(absl::Time now) {
  const uint64_t barrier = next_sequence_;
  size_t ran = 0;
  for (;;) {
    DropStale();
    if (heap_.empty()) break;
    const HeapItem& top = heap_.top();
    if (top.when > now || top.sequence >= barrier) break;
    EntryPtr entry = top.entry;
    heap_.pop();
    entry->state = Entry::State::kCalled;
    --pending_count_;
    // Move the callback out first: it may cancel or reschedule other calls,
    // or drop the last handle to its own entry.
    absl::AnyInvocable<void()> callback = std::move(entry->callback);
    entry->callback = nullptr;
    callback();
    ++ran;
  }
  return ran;
}

std::vector<DelayedCall> TimerQueue::Pending() const {
  std::vector<HeapItem> items;
  auto copy = heap_;
  while (!copy.empty()) {
    const HeapItem& top = copy.top();
    if (top.entry->state == Entry::State::kPending &&
        top.entry->sequence == top.sequence) {
      items.push_back(top);
    }
    copy.pop();
  }
  std::vector<DelayedCall> calls;
  calls.reserve(items.size());
  for (HeapItem& item : items) calls.push_back(DelayedCall(item.entry));
  return calls;
}

}  // namespace standin
