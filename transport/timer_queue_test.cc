// TimerQueue: deadline and FIFO order, cancel, reschedule, pass boundaries,
// handle safety, and memory O(live calls).
#include "standin/transport/timer_queue.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace standin {
namespace {

using ::testing::ElementsAre;

const absl::Time kT0 = absl::UnixEpoch();

absl::Time At(int seconds) { return kT0 + absl::Seconds(seconds); }

TEST(TimerQueueTest, RunsDueCallsInDeadlineThenFifoOrder) {
  TimerQueue timers;
  std::vector<std::string> order;
  timers.Schedule(kT0 + absl::Seconds(2), [&] { order.push_back("b"); });
  timers.Schedule(kT0 + absl::Seconds(1), [&] { order.push_back("a1"); });
  timers.Schedule(kT0 + absl::Seconds(1), [&] { order.push_back("a2"); });
  timers.Schedule(kT0 + absl::Seconds(3), [&] { order.push_back("c"); });
  EXPECT_EQ(timers.RunDue(kT0 + absl::Seconds(2)), 3u);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "b"}));
  EXPECT_EQ(timers.NextDeadline(), kT0 + absl::Seconds(3));
  EXPECT_EQ(timers.pending_count(), 1u);
}

TEST(TimerQueueTest, CancelledCallNeverRuns) {
  TimerQueue timers;
  bool ran = false;
  DelayedCall call = timers.Schedule(kT0, [&] { ran = true; });
  EXPECT_TRUE(call.active());
  call.Cancel();
  EXPECT_FALSE(call.active());
  EXPECT_TRUE(call.cancelled());
  EXPECT_EQ(timers.RunDue(kT0 + absl::Hours(1)), 0u);
  EXPECT_FALSE(ran);
  EXPECT_EQ(timers.NextDeadline(), std::nullopt);
  call.Cancel();  // Harmless twice.
}

TEST(TimerQueueTest, RescheduleMovesDeadline) {
  TimerQueue timers;
  int ran = 0;
  DelayedCall call = timers.Schedule(kT0 + absl::Seconds(1), [&] { ++ran; });
  ASSERT_TRUE(call.Delay(absl::Seconds(2)).ok());
  EXPECT_EQ(call.time(), kT0 + absl::Seconds(3));
  EXPECT_EQ(timers.RunDue(kT0 + absl::Seconds(2)), 0u);
  ASSERT_TRUE(call.Reschedule(kT0 + absl::Milliseconds(500)).ok());
  EXPECT_EQ(timers.RunDue(kT0 + absl::Seconds(1)), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(call.called());
  EXPECT_EQ(call.Reschedule(kT0).message(), "DelayedCall: already called");
  EXPECT_EQ(timers.pending_count(), 0u);
}

TEST(TimerQueueTest, CancelledCallCannotBeRescheduled) {
  TimerQueue timers;
  DelayedCall call = timers.Schedule(kT0, [] {});
  call.Cancel();
  EXPECT_EQ(call.Delay(absl::Seconds(1)).message(),
            "DelayedCall: already cancelled");
  EXPECT_FALSE(DelayedCall().active());
  EXPECT_FALSE(DelayedCall().Delay(absl::Seconds(1)).ok());
}

TEST(TimerQueueTest, CallScheduledByCallbackWaitsForNextPass) {
  TimerQueue timers;
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    timers.Schedule(kT0, again);
  };
  timers.Schedule(kT0, again);
  EXPECT_EQ(timers.RunDue(kT0), 1u);
  EXPECT_EQ(timers.RunDue(kT0), 1u);
  EXPECT_EQ(runs, 2);
}

TEST(TimerQueueTest, CallbackMayCancelALaterCall) {
  TimerQueue timers;
  bool second_ran = false;
  DelayedCall second;
  timers.Schedule(kT0, [&] { second.Cancel(); });
  second = timers.Schedule(kT0, [&] { second_ran = true; });
  timers.RunDue(kT0);
  EXPECT_FALSE(second_ran);
}

TEST(TimerQueueTest, HandlesOutliveQueue) {
  DelayedCall call;
  {
    TimerQueue timers;
    call = timers.Schedule(kT0, [] {});
  }
  EXPECT_FALSE(call.active());
  call.Cancel();
  EXPECT_FALSE(call.Delay(absl::Seconds(1)).ok());
}

TEST(TimerQueueTest, PendingListsActiveCallsInOrder) {
  TimerQueue timers;
  DelayedCall late = timers.Schedule(kT0 + absl::Seconds(5), [] {});
  DelayedCall early = timers.Schedule(kT0 + absl::Seconds(1), [] {});
  DelayedCall gone = timers.Schedule(kT0 + absl::Seconds(2), [] {});
  gone.Cancel();
  std::vector<DelayedCall> pending = timers.Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].time(), early.time());
  EXPECT_EQ(pending[1].time(), late.time());
}

// Cancel frees the entry at once: a million schedule/cancel pairs among a
// hundred live calls never store more than the live ones (before: one stale
// heap entry per cancelled call, ~155 bytes each, until its deadline).
TEST(TimerQueueTest, CancelledCallsLeaveNoEntryBehind) {
  TimerQueue timers;
  std::vector<DelayedCall> live;
  for (int i = 0; i < 100; ++i) {
    live.push_back(timers.Schedule(At(1000 + i), [] {}));
  }
  size_t most = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    DelayedCall call = timers.Schedule(At(i % 2000), [] {});
    most = std::max(most, timers.heap_entries());
    call.Cancel();
    ASSERT_EQ(timers.heap_entries(), 100u);
  }
  EXPECT_EQ(most, 101u);
  EXPECT_EQ(timers.pending_count(), 100u);
  EXPECT_EQ(timers.RunDue(At(999)), 0u);
  EXPECT_EQ(timers.RunDue(At(1099)), 100u);
  EXPECT_EQ(timers.heap_entries(), 0u);
}

TEST(TimerQueueTest, CancelReleasesTheCallbackAtOnce) {
  TimerQueue timers;
  auto capture = std::make_shared<int>(0);
  DelayedCall call = timers.Schedule(At(1), [capture] {});
  EXPECT_EQ(capture.use_count(), 2);
  call.Cancel();
  EXPECT_EQ(capture.use_count(), 1);
}

TEST(TimerQueueTest, RescheduleEarlierAndLaterKeepsOneEntry) {
  TimerQueue timers;
  std::vector<std::string> order;
  DelayedCall a = timers.Schedule(At(10), [&] { order.push_back("a"); });
  DelayedCall b = timers.Schedule(At(20), [&] { order.push_back("b"); });
  DelayedCall c = timers.Schedule(At(30), [&] { order.push_back("c"); });
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(c.Reschedule(At(i % 2 == 0 ? 5 : 50)).ok());  // earlier/later
    ASSERT_TRUE(a.Delay(absl::Seconds(i % 2 == 0 ? 100 : -100)).ok());
    ASSERT_EQ(timers.heap_entries(), 3u);
  }
  // Last moves: c to 50, a back to 10.
  EXPECT_EQ(c.time(), At(50));
  EXPECT_EQ(a.time(), At(10));
  EXPECT_EQ(timers.NextDeadline(), At(10));
  EXPECT_EQ(timers.RunDue(At(100)), 3u);
  EXPECT_THAT(order, ElementsAre("a", "b", "c"));
}

// A rescheduled call queues behind calls already due at its new deadline,
// as if scheduled at the moment of the reschedule (see Reschedule()).
TEST(TimerQueueTest, RescheduledCallGoesBehindEqualDeadlines) {
  TimerQueue timers;
  std::vector<std::string> order;
  DelayedCall a = timers.Schedule(At(1), [&] { order.push_back("a"); });
  DelayedCall b = timers.Schedule(At(2), [&] { order.push_back("b"); });
  timers.Schedule(At(1), [&] { order.push_back("c"); });
  ASSERT_TRUE(b.Reschedule(At(1)).ok());  // earlier: behind a and c
  ASSERT_TRUE(a.Reschedule(At(1)).ok());  // same time: behind c and b
  EXPECT_EQ(timers.RunDue(At(1)), 3u);
  EXPECT_THAT(order, ElementsAre("c", "b", "a"));
}

TEST(TimerQueueTest, CallRescheduledDuringAPassWaitsForTheNextPass) {
  TimerQueue timers;
  std::vector<std::string> order;
  DelayedCall later = timers.Schedule(At(5), [&] { order.push_back("later"); });
  DelayedCall due = timers.Schedule(At(1), [&] { order.push_back("due"); });
  timers.Schedule(At(0), [&] {
    order.push_back("first");
    ASSERT_TRUE(later.Reschedule(At(0)).ok());      // into the past
    ASSERT_TRUE(due.Delay(absl::Seconds(1)).ok());  // still due at 2
  });
  EXPECT_EQ(timers.RunDue(At(2)), 1u);
  EXPECT_THAT(order, ElementsAre("first"));
  EXPECT_EQ(timers.heap_entries(), 2u);
  EXPECT_EQ(timers.RunDue(At(2)), 2u);
  EXPECT_THAT(order, ElementsAre("first", "later", "due"));
}

// A call scheduled during a pass can be cancelled or moved before the pass
// ends; its entry goes with it.
TEST(TimerQueueTest, CallScheduledDuringAPassCanBeCancelledOrMoved) {
  TimerQueue timers;
  std::vector<std::string> order;
  DelayedCall x, y, z;
  timers.Schedule(At(0), [&] {
    x = timers.Schedule(At(0), [&] { order.push_back("x"); });
    y = timers.Schedule(At(0), [&] { order.push_back("y"); });
    z = timers.Schedule(At(0), [&] { order.push_back("z"); });
    EXPECT_EQ(timers.NextDeadline(), At(0));
    EXPECT_EQ(timers.heap_entries(), 3u);
    x.Cancel();
    ASSERT_TRUE(y.Reschedule(At(3)).ok());
    EXPECT_EQ(timers.heap_entries(), 2u);
    EXPECT_EQ(timers.Pending().size(), 2u);
  });
  EXPECT_EQ(timers.RunDue(At(0)), 1u);
  EXPECT_EQ(timers.pending_count(), 2u);
  EXPECT_EQ(timers.RunDue(At(5)), 2u);
  EXPECT_THAT(order, ElementsAre("z", "y"));
}

TEST(TimerQueueTest, CallbackCannotCancelOrRescheduleItself) {
  TimerQueue timers;
  DelayedCall self;
  absl::Status rescheduled;
  bool was_active = true;
  self = timers.Schedule(At(0), [&] {
    was_active = self.active();
    self.Cancel();
    rescheduled = self.Delay(absl::Seconds(1));
  });
  EXPECT_EQ(timers.RunDue(At(0)), 1u);
  EXPECT_FALSE(was_active);
  EXPECT_TRUE(self.called());
  EXPECT_FALSE(self.cancelled());
  EXPECT_EQ(rescheduled.message(), "DelayedCall: already called");
  EXPECT_EQ(timers.heap_entries(), 0u);
}

TEST(TimerQueueTest, CallbackMayRescheduleOrCancelOthers) {
  TimerQueue timers;
  std::vector<std::string> order;
  DelayedCall a, b, c;
  a = timers.Schedule(At(1), [&] {
    order.push_back("a");
    c.Cancel();
    ASSERT_TRUE(b.Reschedule(At(9)).ok());
  });
  b = timers.Schedule(At(1), [&] { order.push_back("b"); });
  c = timers.Schedule(At(1), [&] { order.push_back("c"); });
  EXPECT_EQ(timers.RunDue(At(1)), 1u);
  EXPECT_EQ(timers.NextDeadline(), At(9));
  EXPECT_EQ(timers.RunDue(At(9)), 1u);
  EXPECT_THAT(order, ElementsAre("a", "b"));
}

TEST(TimerQueueTest, CallbackMayDropTheLastHandleToItself) {
  TimerQueue timers;
  auto handle = std::make_unique<DelayedCall>();
  bool ran = false;
  *handle = timers.Schedule(At(0), [&] {
    handle.reset();
    ran = true;
  });
  EXPECT_EQ(timers.RunDue(At(0)), 1u);
  EXPECT_TRUE(ran);
}

// An exception ends the pass and reaches the caller; nothing is lost.
TEST(TimerQueueTest, ThrowingCallbackLeavesTheQueueConsistent) {
  TimerQueue timers;
  std::vector<std::string> order;
  DelayedCall thrower = timers.Schedule(At(1), [&] {
    timers.Schedule(At(0), [&] { order.push_back("new"); });
    throw std::runtime_error("boom");
  });
  timers.Schedule(At(1), [&] { order.push_back("after"); });
  EXPECT_THROW(timers.RunDue(At(1)), std::runtime_error);
  EXPECT_TRUE(thrower.called());
  EXPECT_EQ(timers.pending_count(), 2u);
  EXPECT_EQ(timers.heap_entries(), 2u);
  EXPECT_EQ(timers.RunDue(At(1)), 2u);
  EXPECT_THAT(order, ElementsAre("new", "after"));
}

TEST(TimerQueueTest, NestedPassStartsWithEverythingScheduledSoFar) {
  TimerQueue timers;
  std::vector<std::string> order;
  timers.Schedule(At(0), [&] {
    order.push_back("outer");
    timers.Schedule(At(0), [&] { order.push_back("scheduled"); });
    EXPECT_EQ(timers.RunDue(At(0)), 2u);
  });
  timers.Schedule(At(0), [&] { order.push_back("second"); });
  EXPECT_EQ(timers.RunDue(At(0)), 1u);
  EXPECT_THAT(order, ElementsAre("outer", "second", "scheduled"));
  EXPECT_EQ(timers.heap_entries(), 0u);
}

// Destroying the queue cancels what is pending; a callback's destructor that
// uses another handle finds it inactive (ASan checks the rest).
TEST(TimerQueueTest, DestroyedQueueCancelsAndReleasesCallbacks) {
  auto capture = std::make_shared<int>(0);
  DelayedCall first, second;
  {
    TimerQueue timers;
    struct CancelsOnDestruction {
      DelayedCall* other;
      std::shared_ptr<int> capture;
      ~CancelsOnDestruction() {
        if (other != nullptr) other->Cancel();
      }
    };
    auto guard = std::make_shared<CancelsOnDestruction>(
        CancelsOnDestruction{&second, capture});
    first = timers.Schedule(At(1), [guard] {});
    guard.reset();
    second = timers.Schedule(At(2), [capture] {});
    EXPECT_EQ(capture.use_count(), 3);
  }
  EXPECT_EQ(capture.use_count(), 1);
  EXPECT_TRUE(first.cancelled());
  EXPECT_TRUE(second.cancelled());
  EXPECT_FALSE(second.Reschedule(At(3)).ok());
}

// The heap against a plain model: random schedule/cancel/reschedule/run
// sequences run exactly the calls the model says, in its order.
TEST(TimerQueueTest, AgreesWithAModelUnderRandomOperations) {
  std::mt19937 random(12345);
  TimerQueue timers;
  struct Model {
    absl::Time when;
    uint64_t order;
  };
  std::map<int, Model> model;  // id -> pending call
  std::map<int, DelayedCall> handles;
  std::vector<int> ran;
  uint64_t next_order = 0;
  int next_id = 0;
  absl::Time now = kT0;
  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(random() % 10);
    if (op < 4 || handles.empty()) {
      const int id = next_id++;
      const absl::Time when = now + absl::Seconds(random() % 50);
      handles[id] = timers.Schedule(when, [&ran, id] { ran.push_back(id); });
      model[id] = {when, next_order++};
    } else if (op < 9) {
      auto it = handles.begin();
      std::advance(it, random() % handles.size());
      const int id = it->first;
      if (op < 6) {
        it->second.Cancel();
        model.erase(id);
      } else {
        const absl::Time when = now + absl::Seconds(random() % 50);
        absl::Status status = it->second.Reschedule(when);
        ASSERT_EQ(status.ok(), model.contains(id));
        if (status.ok()) model[id] = {when, next_order++};
      }
      if (!model.contains(id)) handles.erase(it);
    } else {
      now += absl::Seconds(random() % 20);
      std::vector<std::pair<int, Model>> due;
      for (const auto& [id, m] : model) {
        if (m.when <= now) due.push_back({id, m});
      }
      std::sort(due.begin(), due.end(), [](const auto& x, const auto& y) {
        if (x.second.when != y.second.when)
          return x.second.when < y.second.when;
        return x.second.order < y.second.order;
      });
      ran.clear();
      ASSERT_EQ(timers.RunDue(now), due.size());
      std::vector<int> expected;
      for (const auto& [id, m] : due) {
        expected.push_back(id);
        model.erase(id);
        handles.erase(id);
      }
      ASSERT_EQ(ran, expected) << "step " << step;
    }
    ASSERT_EQ(timers.pending_count(), model.size());
    ASSERT_EQ(timers.heap_entries(), model.size());
    std::optional<absl::Time> earliest;
    for (const auto& [id, m] : model) {
      if (!earliest || m.when < *earliest) earliest = m.when;
    }
    ASSERT_EQ(timers.NextDeadline(), earliest);
  }
}

}  // namespace
}  // namespace standin
