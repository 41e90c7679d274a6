#include "standin/transport/timer_queue.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace standin {
namespace {

const absl::Time kT0 = absl::UnixEpoch();

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

}  // namespace
}  // namespace standin
