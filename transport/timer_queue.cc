#include "standin/transport/timer_queue.h"

#include <algorithm>
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
  TimerQueue* queue = entry_->queue;
  queue->Unlink(*entry_);
  --queue->pending_count_;
  entry_->state = Entry::State::kCancelled;
  entry_->queue = nullptr;
  // Release the captures now, last: their destructors may use other handles.
  absl::AnyInvocable<void()> callback = std::move(entry_->callback);
  entry_->callback = nullptr;
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
  entry_->queue->Reschedule(*entry_, when);
  return absl::OkStatus();
}

absl::Status DelayedCall::Delay(absl::Duration by) {
  return Reschedule(time() + by);
}

void PrintTo(const DelayedCall& call, std::ostream* os) {
  if (call.entry_ == nullptr) {
    *os << "DelayedCall{}";
    return;
  }
  const char* state = call.active()      ? "pending"
                      : call.called()    ? "called"
                      : call.cancelled() ? "cancelled"
                                         : "orphaned";  // The queue is gone.
  *os << "DelayedCall{due "
      << absl::FormatTime(absl::RFC3339_full, call.time(), absl::UTCTimeZone())
      << ", " << state << "}";
}

TimerQueue::~TimerQueue() {
  // Detach everything first, so a callback's destructor that touches another
  // handle finds it inactive rather than half-removed.
  std::vector<Slot> heap = std::move(heap_);
  std::vector<EntryPtr> incoming = std::move(incoming_);
  heap_.clear();
  incoming_.clear();
  pending_count_ = 0;
  for (Slot& slot : heap) incoming.push_back(std::move(slot.entry));
  for (const EntryPtr& entry : incoming) {
    entry->state = Entry::State::kCancelled;
    entry->queue = nullptr;
  }
  for (const EntryPtr& entry : incoming) {
    absl::AnyInvocable<void()> callback = std::move(entry->callback);
    entry->callback = nullptr;
  }
}

DelayedCall TimerQueue::Schedule(absl::Time when,
                                 absl::AnyInvocable<void()> callback) {
  auto entry = std::make_shared<Entry>();
  entry->when = when;
  entry->callback = std::move(callback);
  entry->queue = this;
  DelayedCall handle(entry);
  Insert(std::move(entry));
  ++pending_count_;
  return handle;
}

void TimerQueue::Insert(EntryPtr entry) {
  entry->sequence = next_sequence_++;
  if (passes_running_ > 0) {
    entry->incoming = true;
    entry->index = incoming_.size();
    incoming_.push_back(std::move(entry));
  } else {
    HeapInsert(std::move(entry));
  }
}

void TimerQueue::HeapInsert(EntryPtr entry) {
  Slot slot{entry->when, entry->sequence, std::move(entry)};
  heap_.emplace_back();
  SiftUp(heap_.size() - 1, std::move(slot));
}

void TimerQueue::Place(size_t index, Slot slot) {
  slot.entry->incoming = false;
  slot.entry->index = index;
  heap_[index] = std::move(slot);
}

void TimerQueue::SiftUp(size_t index, Slot slot) {
  while (index > 0) {
    const size_t parent = (index - 1) / 2;
    if (!Before(slot, heap_[parent])) break;
    Place(index, std::move(heap_[parent]));
    index = parent;
  }
  Place(index, std::move(slot));
}

void TimerQueue::SiftDown(size_t index, Slot slot) {
  const size_t size = heap_.size();
  for (;;) {
    size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && Before(heap_[child + 1], heap_[child])) ++child;
    if (!Before(heap_[child], slot)) break;
    Place(index, std::move(heap_[child]));
    index = child;
  }
  Place(index, std::move(slot));
}

void TimerQueue::Unlink(Entry& entry) {
  const size_t index = entry.index;
  if (entry.incoming) {
    // Order in incoming_ does not matter: sequence numbers decide later.
    EntryPtr last = std::move(incoming_.back());
    incoming_.pop_back();
    if (index < incoming_.size()) {
      last->index = index;
      incoming_[index] = std::move(last);
    }
    return;
  }
  Slot last = std::move(heap_.back());
  heap_.pop_back();
  if (index == heap_.size()) return;  // It was the last slot.
  if (index > 0 && Before(last, heap_[(index - 1) / 2])) {
    SiftUp(index, std::move(last));
  } else {
    SiftDown(index, std::move(last));
  }
}

void TimerQueue::Reschedule(Entry& entry, absl::Time when) {
  entry.when = when;
  if (entry.incoming) {
    entry.sequence = next_sequence_++;
    return;
  }
  if (passes_running_ > 0) {
    // Out of the running pass: it waits for the next one, like a new call.
    EntryPtr moved = heap_[entry.index].entry;
    Unlink(entry);
    Insert(std::move(moved));
    return;
  }
  // In place: no allocation, one sift.
  entry.sequence = next_sequence_++;
  const size_t index = entry.index;
  Slot slot = std::move(heap_[index]);
  slot.when = when;
  slot.sequence = entry.sequence;
  if (index > 0 && Before(slot, heap_[(index - 1) / 2])) {
    SiftUp(index, std::move(slot));
  } else {
    SiftDown(index, std::move(slot));
  }
}

void TimerQueue::MergeIncoming() {
  std::vector<EntryPtr> incoming = std::move(incoming_);
  incoming_.clear();
  for (EntryPtr& entry : incoming) HeapInsert(std::move(entry));
}

std::optional<absl::Time> TimerQueue::NextDeadline() const {
  std::optional<absl::Time> next;
  if (!heap_.empty()) next = heap_.front().when;
  for (const EntryPtr& entry : incoming_) {
    if (!next.has_value() || entry->when < *next) next = entry->when;
  }
  return next;
}

size_t TimerQueue::RunDue(absl::Time now) {
  // A nested pass starts with what the outer pass has scheduled so far.
  MergeIncoming();
  ++passes_running_;
  struct PassScope {
    TimerQueue* queue;
    ~PassScope() {
      if (--queue->passes_running_ == 0) queue->MergeIncoming();
    }
  } scope{this};
  size_t ran = 0;
  while (!heap_.empty() && heap_.front().when <= now) {
    EntryPtr entry = std::move(heap_.front().entry);
    Slot last = std::move(heap_.back());
    heap_.pop_back();
    if (!heap_.empty()) SiftDown(0, std::move(last));
    --pending_count_;
    entry->state = Entry::State::kCalled;
    entry->queue = nullptr;
    // Move the callback out first: it may cancel or reschedule other calls,
    // or drop the last handle to its own entry.
    absl::AnyInvocable<void()> callback = std::move(entry->callback);
    entry->callback = nullptr;
    ++ran;
    callback();
  }
  return ran;
}

std::vector<DelayedCall> TimerQueue::Pending() const {
  std::vector<Slot> slots;
  slots.reserve(heap_entries());
  for (const Slot& slot : heap_) slots.push_back(slot);
  for (const EntryPtr& entry : incoming_) {
    slots.push_back(Slot{entry->when, entry->sequence, entry});
  }
  std::sort(slots.begin(), slots.end(), Before);
  std::vector<DelayedCall> calls;
  calls.reserve(slots.size());
  for (Slot& slot : slots) calls.push_back(DelayedCall(std::move(slot.entry)));
  return calls;
}

}  // namespace standin
