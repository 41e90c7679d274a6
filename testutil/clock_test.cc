// Clock and MemoryReactor: time moves only when told, in a defined order
// (Twisted's test_task.ClockTestCase cases).
#include "standin/testutil/clock.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/memory_reactor.h"

namespace standin::testutil {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::UnixEpoch();

TEST(ClockTest, TimeStandsStillUntilAdvanced) {
  Clock clock;
  EXPECT_EQ(clock.Now(), kT0);
  clock.Advance(absl::Seconds(1.5));
  EXPECT_EQ(clock.Now(), kT0 + absl::Seconds(1.5));
  Clock later(kT0 + absl::Hours(1));
  EXPECT_EQ(later.Now(), kT0 + absl::Hours(1));
}

TEST(ClockTest, CallRunsWhenItsTimeComesAndNotBefore) {
  Clock clock;
  int fired = 0;
  DelayedCall call = clock.CallLater(absl::Seconds(2), [&] { ++fired; });
  EXPECT_TRUE(call.active());
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(fired, 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(call.called());
  EXPECT_FALSE(call.active());
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(fired, 1);
}

TEST(ClockTest, EqualDeadlinesRunInSchedulingOrder) {
  Clock clock;
  std::vector<std::string> order;
  clock.CallLater(absl::Seconds(1), [&] { order.push_back("a"); });
  clock.CallLater(absl::Seconds(1), [&] { order.push_back("b"); });
  clock.CallLater(absl::Milliseconds(500), [&] { order.push_back("early"); });
  clock.CallLater(absl::Seconds(1), [&] { order.push_back("c"); });
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(order, ElementsAre("early", "a", "b", "c"));
}

TEST(ClockTest, CancelledCallNeverRuns) {
  Clock clock;
  bool ran = false;
  DelayedCall call = clock.CallLater(absl::Seconds(1), [&] { ran = true; });
  call.Cancel();
  EXPECT_TRUE(call.cancelled());
  clock.Advance(absl::Seconds(5));
  EXPECT_FALSE(ran);
  EXPECT_THAT(clock.GetDelayedCalls(), IsEmpty());
}

TEST(ClockTest, RescheduleAndDelayMoveTheDeadline) {
  Clock clock;
  int fired = 0;
  DelayedCall call = clock.CallLater(absl::Seconds(5), [&] { ++fired; });
  clock.Advance(absl::Seconds(4));
  ASSERT_TRUE(call.Delay(absl::Seconds(2)).ok());  // Due at 7 s.
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(fired, 0);
  ASSERT_TRUE(call.Reschedule(kT0 + absl::Seconds(6)).ok());  // In the past.
  clock.Advance(absl::ZeroDuration());
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(call.Delay(absl::Seconds(1)).ok());
}

TEST(ClockTest, NowInsideACallbackIsTheNewTime) {
  Clock clock;
  absl::Time seen;
  clock.CallLater(absl::Seconds(1), [&] { seen = clock.Now(); });
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(seen, kT0 + absl::Seconds(3));
}

TEST(ClockTest, CallsScheduledByCallbacksRunIfAlreadyDue) {
  Clock clock;
  std::vector<std::string> order;
  clock.CallLater(absl::Seconds(1), [&] {
    order.push_back("first");
    clock.CallLater(absl::ZeroDuration(), [&] { order.push_back("now"); });
    clock.CallLater(absl::Seconds(5), [&] { order.push_back("later"); });
  });
  clock.Advance(absl::Seconds(2));
  EXPECT_THAT(order, ElementsAre("first", "now"));
  EXPECT_EQ(clock.pending_count(), 1u);
}

TEST(ClockTest, PumpAdvancesByEachAmount) {
  Clock clock;
  std::vector<absl::Time> times;
  for (int i = 1; i <= 3; ++i) {
    clock.CallLater(absl::Seconds(i), [&] { times.push_back(clock.Now()); });
  }
  clock.Pump({absl::Seconds(1), absl::Seconds(1), absl::Seconds(1)});
  EXPECT_THAT(times, ElementsAre(kT0 + absl::Seconds(1), kT0 + absl::Seconds(2),
                                 kT0 + absl::Seconds(3)));
}

TEST(ClockTest, GetDelayedCallsListsPendingInDueOrder) {
  Clock clock;
  DelayedCall b = clock.CallLater(absl::Seconds(2), [] {});
  DelayedCall a = clock.CallLater(absl::Seconds(1), [] {});
  std::vector<DelayedCall> calls = clock.GetDelayedCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].time(), a.time());
  EXPECT_EQ(calls[1].time(), b.time());
}

TEST(ClockDeathTest, TimeDoesNotRunBackwards) {
  Clock clock;
  EXPECT_DEATH(clock.Advance(-absl::Seconds(1)), "cannot move time backwards");
}

class Probe : public Selectable {
 public:
  int fileno() const override { return 3; }
  absl::Status DoRead() override {
    ++reads;
    return read_result;
  }
  absl::Status DoWrite() override {
    ++writes;
    return absl::OkStatus();
  }
  void ConnectionLost(const absl::Status& reason) override {
    lost.push_back(reason);
  }
  int reads = 0;
  int writes = 0;
  absl::Status read_result;
  std::vector<absl::Status> lost;
};

TEST(MemoryReactorTest, RecordsReadersAndWritersInOrder) {
  MemoryReactor reactor;
  Probe a, b;
  reactor.AddReader(&b);
  reactor.AddReader(&a);
  reactor.AddReader(&b);
  reactor.AddWriter(&a);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&b, &a));
  EXPECT_THAT(reactor.GetWriters(), ElementsAre(&a));
  EXPECT_EQ(reactor.add_reader_calls(), 3u);
  EXPECT_TRUE(reactor.HasReader(&a));
  reactor.RemoveReader(&b);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&a));
  EXPECT_THAT(reactor.RemoveAll(), ElementsAre(&a));
  EXPECT_THAT(reactor.GetWriters(), IsEmpty());
}

TEST(MemoryReactorTest, FireReadFailureDisconnectsLikeARealReactor) {
  MemoryReactor reactor;
  Probe probe;
  reactor.AddReader(&probe);
  reactor.AddWriter(&probe);
  EXPECT_TRUE(reactor.FireRead(&probe).ok());
  probe.read_result = absl::UnavailableError("gone");
  EXPECT_FALSE(reactor.FireRead(&probe).ok());
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(probe.lost[0].message(), "gone");
  EXPECT_FALSE(reactor.HasReader(&probe));
  EXPECT_FALSE(reactor.HasWriter(&probe));
}

TEST(MemoryReactorTest, RunWritersCallsEachWriterOnce) {
  MemoryReactor reactor;
  Probe a, b;
  reactor.AddWriter(&a);
  reactor.AddWriter(&b);
  EXPECT_EQ(reactor.RunWriters(), 2u);
  EXPECT_EQ(a.writes, 1);
  EXPECT_EQ(b.writes, 1);
}

TEST(MemoryReactorTest, TimeIsTheClocks) {
  MemoryReactor reactor;
  bool ran = false;
  reactor.CallLater(absl::Minutes(1), [&] { ran = true; });
  reactor.Pump({absl::Seconds(30), absl::Seconds(30)});
  EXPECT_TRUE(ran);
  EXPECT_EQ(reactor.Now(), kT0 + absl::Minutes(1));
}

TEST(MemoryReactorDeathTest, FiringANonReaderDies) {
  MemoryReactor reactor;
  Probe probe;
  EXPECT_DEATH(reactor.FireRead(&probe).IgnoreError(), "is not a reader");
}

}  // namespace
}  // namespace standin::testutil
