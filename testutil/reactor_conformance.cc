#include "standin/testutil/reactor_conformance.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/transport/status.h"

namespace standin::testutil {

absl::Status ReactorProbe::DoRead() {
  ++reads;
  if (fd_ >= 0) harness_->Consume(fd_);
  return on_read ? on_read() : absl::OkStatus();
}

absl::Status ReactorProbe::DoWrite() {
  ++writes;
  return on_write ? on_write() : absl::OkStatus();
}

void ReactorProbe::ConnectionLost(const absl::Status& reason) {
  lost.push_back(reason);
  if (on_lost) on_lost();
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// --- Registration (Twisted's test_fdset.py) ---

TEST_P(ReactorConformanceTest, ReaderIsCalledOnlyWhileReadable) {
  ReactorProbe probe = NewProbe();
  reactor().AddReader(&probe);
  harness().Turn();
  EXPECT_EQ(probe.reads, 0);
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.reads, 1);
  harness().Turn();  // Consumed: no longer readable.
  EXPECT_EQ(probe.reads, 1);
  reactor().RemoveReader(&probe);
}

TEST_P(ReactorConformanceTest, AddingTwiceIsOnceAndRemovingTwiceIsHarmless) {
  ReactorProbe probe = NewProbe();
  reactor().AddReader(&probe);
  reactor().AddReader(&probe);
  EXPECT_THAT(reactor().GetReaders(), ElementsAre(&probe));
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.reads, 1);
  reactor().RemoveReader(&probe);
  reactor().RemoveReader(&probe);
  reactor().RemoveWriter(&probe);  // Never a writer: harmless.
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.reads, 1);
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
}

TEST_P(ReactorConformanceTest, WriterIsCalledEveryTurnWhileRegistered) {
  ReactorProbe probe = NewProbe();
  reactor().AddWriter(&probe);
  harness().Turn();
  harness().Turn();
  EXPECT_EQ(probe.writes, 2);
  reactor().RemoveWriter(&probe);
  harness().Turn();
  EXPECT_EQ(probe.writes, 2);
  EXPECT_EQ(probe.reads, 0);
}

TEST_P(ReactorConformanceTest, ReaderAndWriterOnOneSelectableAreIndependent) {
  ReactorProbe probe = NewProbe();
  reactor().AddReader(&probe);
  reactor().AddWriter(&probe);
  EXPECT_THAT(reactor().GetReaders(), ElementsAre(&probe));
  EXPECT_THAT(reactor().GetWriters(), ElementsAre(&probe));
  reactor().RemoveWriter(&probe);
  EXPECT_THAT(reactor().GetReaders(), ElementsAre(&probe));
  EXPECT_THAT(reactor().GetWriters(), IsEmpty());
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.reads, 1);
  EXPECT_EQ(probe.writes, 0);
  reactor().RemoveReader(&probe);
}

TEST_P(ReactorConformanceTest, GetReadersAndGetWritersListWhatWasAdded) {
  ReactorProbe a = NewProbe(), b = NewProbe(), c = NewProbe();
  reactor().AddReader(&a);
  reactor().AddReader(&b);
  reactor().AddWriter(&b);
  reactor().AddWriter(&c);
  EXPECT_THAT(reactor().GetReaders(), UnorderedElementsAre(&a, &b));
  EXPECT_THAT(reactor().GetWriters(), UnorderedElementsAre(&b, &c));
  reactor().RemoveReader(&a);
  reactor().RemoveWriter(&c);
  EXPECT_THAT(reactor().GetReaders(), ElementsAre(&b));
  EXPECT_THAT(reactor().GetWriters(), ElementsAre(&b));
  reactor().RemoveAll();
}

TEST_P(ReactorConformanceTest, RemoveAllReturnsEachOnceAndTellsNone) {
  ReactorProbe reader = NewProbe(), both = NewProbe(), writer = NewProbe();
  reactor().AddReader(&reader);
  reactor().AddReader(&both);
  reactor().AddWriter(&both);
  reactor().AddWriter(&writer);
  EXPECT_THAT(reactor().RemoveAll(),
              UnorderedElementsAre(&reader, &both, &writer));
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
  EXPECT_THAT(reactor().GetWriters(), IsEmpty());
  EXPECT_THAT(reactor().RemoveAll(), IsEmpty());
  harness().MakeReadable(reader.fileno());
  harness().Turn();
  EXPECT_EQ(reader.reads + both.writes + writer.writes, 0);
  EXPECT_TRUE(reader.lost.empty() && both.lost.empty() && writer.lost.empty());
}

// Twisted: test_removedFromReactor.
TEST_P(ReactorConformanceTest, FilenoIsNotCalledAfterRemoval) {
  ReactorProbe probe = NewProbe();
  reactor().AddReader(&probe);
  reactor().AddWriter(&probe);
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  reactor().RemoveReader(&probe);
  reactor().RemoveWriter(&probe);
  probe.fileno_calls = 0;
  harness().Turn();
  harness().Turn();
  EXPECT_EQ(probe.fileno_calls, 0);
}

// --- Registration changes from inside a dispatch ---

TEST_P(ReactorConformanceTest, SelectableRemovedDuringDispatchIsNotCalled) {
  ReactorProbe first = NewProbe(), second = NewProbe();
  // Whichever runs first removes the other.
  first.on_read = [&] {
    reactor().RemoveReader(&second);
    return absl::OkStatus();
  };
  second.on_read = [&] {
    reactor().RemoveReader(&first);
    return absl::OkStatus();
  };
  reactor().AddReader(&first);
  reactor().AddReader(&second);
  harness().MakeReadable(first.fileno());
  harness().MakeReadable(second.fileno());
  harness().Turn();
  EXPECT_EQ(first.reads + second.reads, 1);
  reactor().RemoveAll();
}

TEST_P(ReactorConformanceTest, SelectableDestroyedDuringDispatchIsNotCalled) {
  auto first = std::make_unique<ReactorProbe>(NewProbe());
  auto second = std::make_unique<ReactorProbe>(NewProbe());
  int calls = 0;
  // Each removes and destroys the other (ASan checks nothing touches it).
  first->on_read = [&] {
    ++calls;
    reactor().RemoveReader(second.get());
    second.reset();
    return absl::OkStatus();
  };
  second->on_read = [&] {
    ++calls;
    reactor().RemoveReader(first.get());
    first.reset();
    return absl::OkStatus();
  };
  reactor().AddReader(first.get());
  reactor().AddReader(second.get());
  harness().MakeReadable(first->fileno());
  harness().MakeReadable(second->fileno());
  harness().Turn();
  EXPECT_EQ(calls, 1);
  reactor().RemoveAll();
}

TEST_P(ReactorConformanceTest, SelectableAddedDuringDispatchWaitsForNextTurn) {
  ReactorProbe first = NewProbe(), added = NewProbe();
  harness().MakeReadable(added.fileno());
  first.on_read = [&] {
    reactor().AddReader(&added);
    return absl::OkStatus();
  };
  reactor().AddReader(&first);
  harness().MakeReadable(first.fileno());
  harness().Turn();
  EXPECT_EQ(first.reads, 1);
  EXPECT_EQ(added.reads, 0);
  harness().Turn();
  EXPECT_EQ(added.reads, 1);
  reactor().RemoveAll();
}

TEST_P(ReactorConformanceTest, WriterRemovedInsideDoReadGetsNoDoWrite) {
  ReactorProbe probe = NewProbe();
  probe.on_read = [&] {
    reactor().RemoveWriter(&probe);
    return absl::OkStatus();
  };
  reactor().AddReader(&probe);
  reactor().AddWriter(&probe);
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.reads, 1);
  EXPECT_EQ(probe.writes, 0);
  reactor().RemoveAll();
}

TEST_P(ReactorConformanceTest, RemoveAllInsideDispatchStopsTheTurn) {
  ReactorProbe first = NewProbe(), second = NewProbe();
  std::vector<Selectable*> removed;
  auto remove_all = [&] {
    removed = reactor().RemoveAll();
    return absl::OkStatus();
  };
  first.on_read = remove_all;
  second.on_read = remove_all;
  reactor().AddReader(&first);
  reactor().AddReader(&second);
  reactor().AddWriter(&second);
  harness().MakeReadable(first.fileno());
  harness().MakeReadable(second.fileno());
  harness().Turn();
  EXPECT_EQ(first.reads + second.reads, 1);
  EXPECT_EQ(second.writes, 0);
  EXPECT_THAT(removed, UnorderedElementsAre(&first, &second));
}

// --- Failures, exceptions, bad descriptors ---

TEST_P(ReactorConformanceTest, FailingDoReadRemovesAndReportsTheStatus) {
  ReactorProbe probe = NewProbe();
  probe.on_read = [] { return ConnectionLost("bad", ECONNRESET); };
  reactor().AddReader(&probe);
  reactor().AddWriter(&probe);
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(ErrnoOf(probe.lost[0]), ECONNRESET);
  EXPECT_EQ(probe.writes, 0);  // Not called after the failed read.
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
  EXPECT_THAT(reactor().GetWriters(), IsEmpty());
  EXPECT_EQ(harness().unhandled_errors(), 0u);
}

TEST_P(ReactorConformanceTest, FailingDoWriteRemovesAndReportsTheStatus) {
  ReactorProbe probe = NewProbe();
  probe.on_write = [] { return ConnectionLost("EPIPE", EPIPE); };
  reactor().AddReader(&probe);
  reactor().AddWriter(&probe);
  harness().Turn();
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(ErrnoOf(probe.lost[0]), EPIPE);
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
  EXPECT_THAT(reactor().GetWriters(), IsEmpty());
}

TEST_P(ReactorConformanceTest, ThrowingDoReadOrDoWriteDisconnectsOnlyThatOne) {
  ReactorProbe reader = NewProbe(), writer = NewProbe(), bystander = NewProbe();
  reader.on_read = []() -> absl::Status {
    throw std::runtime_error("read boom");
  };
  writer.on_write = []() -> absl::Status { throw 42; };
  reactor().AddReader(&reader);
  reactor().AddWriter(&writer);
  reactor().AddReader(&bystander);
  harness().MakeReadable(reader.fileno());
  harness().Turn();
  ASSERT_EQ(reader.lost.size(), 1u);
  EXPECT_EQ(reader.lost[0].code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reader.lost[0].message()),
              HasSubstr("DoRead threw: read boom"));
  ASSERT_EQ(writer.lost.size(), 1u);
  EXPECT_EQ(writer.lost[0].code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(writer.lost[0].message()), HasSubstr("DoWrite"));
  EXPECT_EQ(harness().unhandled_errors(), 2u);
  // The loop goes on for everyone else.
  EXPECT_THAT(reactor().GetReaders(), ElementsAre(&bystander));
  harness().MakeReadable(bystander.fileno());
  harness().Turn();
  EXPECT_EQ(bystander.reads, 1);
  reactor().RemoveAll();
}

TEST_P(ReactorConformanceTest, ThrowingConnectionLostIsContained) {
  ReactorProbe probe = NewProbe();
  probe.on_read = [] { return ConnectionDone(); };
  probe.on_lost = [] { throw std::runtime_error("lost boom"); };
  reactor().AddReader(&probe);
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(harness().unhandled_errors(), 1u);
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
}

TEST_P(ReactorConformanceTest, SelectableMayDestroyItselfInConnectionLost) {
  auto probe = std::make_unique<ReactorProbe>(NewProbe());
  probe->on_read = [] { return ConnectionDone(); };
  probe->on_lost = [&] { probe.reset(); };
  reactor().AddReader(probe.get());
  harness().MakeReadable(probe->fileno());
  harness().Turn();
  EXPECT_EQ(probe, nullptr);
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
}

// Twisted: test_negativeOneFileDescriptor.
TEST_P(ReactorConformanceTest, FilenoTurningNegativeInDoReadDisconnects) {
  ReactorProbe probe = NewProbe();
  probe.on_read = [&] {
    probe.set_fd(-1);
    return absl::OkStatus();
  };
  reactor().AddReader(&probe);
  harness().MakeReadable(probe.fileno());
  harness().Turn();
  EXPECT_EQ(probe.reads, 1);
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_TRUE(IsConnectionLost(probe.lost[0])) << probe.lost[0];
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
}

TEST_P(ReactorConformanceTest, NegativeFilenoIsDisconnectedOnTheNextTurn) {
  ReactorProbe probe(&harness(), -1);
  reactor().AddReader(&probe);
  reactor().AddWriter(&probe);
  // Recorded, and not told from inside Add*().
  EXPECT_THAT(reactor().GetReaders(), ElementsAre(&probe));
  EXPECT_THAT(reactor().GetWriters(), ElementsAre(&probe));
  EXPECT_THAT(probe.lost, IsEmpty());
  harness().Turn();
  ASSERT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(probe.lost[0].code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(probe.lost[0].message()), HasSubstr("-1"));
  EXPECT_EQ(probe.reads + probe.writes, 0);
  EXPECT_THAT(reactor().GetReaders(), IsEmpty());
  EXPECT_THAT(reactor().GetWriters(), IsEmpty());
  harness().Turn();
  EXPECT_EQ(probe.lost.size(), 1u);
  EXPECT_EQ(harness().unhandled_errors(), 0u);
}

TEST_P(ReactorConformanceTest, NegativeFilenoRemovedBeforeTheTurnHearsNothing) {
  auto probe = std::make_unique<ReactorProbe>(&harness(), -1);
  ReactorProbe other(&harness(), -1);
  reactor().AddReader(probe.get());
  reactor().AddWriter(&other);
  reactor().RemoveReader(probe.get());
  probe.reset();  // Gone: nothing may touch it.
  reactor().RemoveAll();
  harness().Turn();
  EXPECT_THAT(other.lost, IsEmpty());
  // Added again, it is told again.
  reactor().AddReader(&other);
  harness().Turn();
  EXPECT_EQ(other.lost.size(), 1u);
}

// --- Timed calls (Twisted's test_time.py, test_base.py) ---

// Runs `callback` and records `name`, checking it is not early.
absl::AnyInvocable<void()> Record(Reactor& reactor,
                                  std::vector<std::string>& order,
                                  std::string name, DelayedCall* self) {
  return [&reactor, &order, name = std::move(name), self] {
    if (self != nullptr) {
      EXPECT_LE(self->time(), reactor.Now()) << name << " ran early";
    }
    order.push_back(name);
  };
}

TEST_P(ReactorConformanceTest, CallsRunEarliestFirstAndFifoAmongEqual) {
  std::vector<std::string> order;
  const absl::Time t = reactor().Now() + absl::Milliseconds(20);
  DelayedCall a, b, c, early, past;
  // Equal deadlines through Reschedule(), since a real clock moves between
  // two CallLater()s.
  a = reactor().CallLater(absl::Hours(1), Record(reactor(), order, "a", &a));
  b = reactor().CallLater(absl::Hours(1), Record(reactor(), order, "b", &b));
  c = reactor().CallLater(absl::Hours(1), Record(reactor(), order, "c", &c));
  early = reactor().CallLater(absl::Hours(1),
                              Record(reactor(), order, "early", &early));
  ASSERT_TRUE(a.Reschedule(t).ok());
  ASSERT_TRUE(b.Reschedule(t).ok());
  ASSERT_TRUE(c.Reschedule(t).ok());
  ASSERT_TRUE(early.Reschedule(t - absl::Milliseconds(10)).ok());
  past = reactor().CallLater(-absl::Seconds(1),
                             Record(reactor(), order, "past", &past));
  ASSERT_TRUE(harness().RunUntil([&] { return order.size() == 5; }));
  EXPECT_THAT(order, ElementsAre("past", "early", "a", "b", "c"));
}

TEST_P(ReactorConformanceTest, ZeroDelayCallsRunInSchedulingOrder) {
  std::vector<std::string> order;
  for (int i = 0; i < 5; ++i) {
    reactor().CallLater(absl::ZeroDuration(),
                        Record(reactor(), order, std::to_string(i), nullptr));
  }
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("0", "1", "2", "3", "4"));
}

TEST_P(ReactorConformanceTest, CancelledCallNeverRuns) {
  std::vector<std::string> order;
  DelayedCall call = reactor().CallLater(
      absl::ZeroDuration(), Record(reactor(), order, "no", nullptr));
  DelayedCall marker = reactor().CallLater(
      absl::Milliseconds(1), Record(reactor(), order, "marker", nullptr));
  EXPECT_TRUE(call.active());
  call.Cancel();
  call.Cancel();  // Harmless twice.
  EXPECT_FALSE(call.active());
  EXPECT_TRUE(call.cancelled());
  EXPECT_EQ(call.Delay(absl::Seconds(1)).message(),
            "DelayedCall: already cancelled");
  ASSERT_TRUE(harness().RunUntil([&] { return marker.called(); }));
  EXPECT_THAT(order, ElementsAre("marker"));
}

TEST_P(ReactorConformanceTest, RescheduleAndDelayMoveTheDeadline) {
  std::vector<std::string> order;
  DelayedCall sooner, later, marker;
  sooner = reactor().CallLater(absl::Hours(1),
                               Record(reactor(), order, "sooner", &sooner));
  later = reactor().CallLater(absl::Milliseconds(1),
                              Record(reactor(), order, "later", &later));
  marker = reactor().CallLater(absl::Milliseconds(10),
                               Record(reactor(), order, "marker", &marker));
  const absl::Time was = later.time();
  ASSERT_TRUE(later.Delay(absl::Hours(2)).ok());
  EXPECT_EQ(later.time(), was + absl::Hours(2));
  ASSERT_TRUE(sooner.Reschedule(reactor().Now() + absl::Milliseconds(5)).ok());
  ASSERT_TRUE(harness().RunUntil([&] { return marker.called(); }));
  EXPECT_THAT(order, ElementsAre("sooner", "marker"));
  EXPECT_TRUE(later.active());
  EXPECT_EQ(sooner.Reschedule(reactor().Now()).message(),
            "DelayedCall: already called");
}

// A rescheduled call queues behind calls already due at its new deadline,
// as if scheduled at the moment of the reschedule.
TEST_P(ReactorConformanceTest, RescheduledCallQueuesBehindEqualDeadlines) {
  std::vector<std::string> order;
  const absl::Time t = reactor().Now() + absl::Milliseconds(5);
  DelayedCall x, y, z;
  x = reactor().CallLater(absl::Hours(1), Record(reactor(), order, "x", &x));
  y = reactor().CallLater(absl::Hours(1), Record(reactor(), order, "y", &y));
  z = reactor().CallLater(absl::Hours(1), Record(reactor(), order, "z", &z));
  ASSERT_TRUE(y.Reschedule(t).ok());
  ASSERT_TRUE(x.Reschedule(t).ok());
  ASSERT_TRUE(z.Reschedule(t).ok());
  ASSERT_TRUE(y.Reschedule(t).ok());  // Same deadline: to the back.
  ASSERT_TRUE(harness().RunUntil([&] { return order.size() == 3; }));
  EXPECT_THAT(order, ElementsAre("x", "z", "y"));
}

TEST_P(ReactorConformanceTest, CallScheduledDuringAPassRunsOnTheNextPass) {
  std::vector<std::string> order;
  reactor().CallLater(absl::ZeroDuration(), [&] {
    order.push_back("a");
    reactor().CallLater(absl::ZeroDuration(),
                        Record(reactor(), order, "new", nullptr));
  });
  reactor().CallLater(absl::ZeroDuration(),
                      Record(reactor(), order, "b", nullptr));
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("a", "b"));
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("a", "b", "new"));
}

TEST_P(ReactorConformanceTest, SelfReschedulingCallCannotStarveTheLoop) {
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    reactor().CallLater(absl::ZeroDuration(), again);
  };
  reactor().CallLater(absl::ZeroDuration(), again);
  ReactorProbe probe = NewProbe();
  reactor().AddReader(&probe);
  harness().MakeReadable(probe.fileno());
  for (int turn = 1; turn <= 3; ++turn) {
    harness().Turn();
    EXPECT_EQ(runs, turn);
  }
  EXPECT_EQ(probe.reads, 1);
  reactor().RemoveReader(&probe);
}

TEST_P(ReactorConformanceTest, CallRescheduledDuringAPassWaitsForTheNextPass) {
  std::vector<std::string> order;
  DelayedCall moved = reactor().CallLater(
      absl::Hours(1), Record(reactor(), order, "moved", nullptr));
  reactor().CallLater(absl::ZeroDuration(), [&] {
    order.push_back("a");
    ASSERT_TRUE(moved.Reschedule(reactor().Now() - absl::Seconds(1)).ok());
  });
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("a"));
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("a", "moved"));
}

TEST_P(ReactorConformanceTest, CallbackMayCancelAnotherDueCall) {
  std::vector<std::string> order;
  DelayedCall second;
  reactor().CallLater(absl::ZeroDuration(), [&] {
    order.push_back("first");
    second.Cancel();
  });
  second = reactor().CallLater(absl::ZeroDuration(),
                               Record(reactor(), order, "second", nullptr));
  harness().Turn();
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("first"));
  EXPECT_TRUE(second.cancelled());
}

TEST_P(ReactorConformanceTest, ThrowingCallDoesNotStopTheOthers) {
  std::vector<std::string> order;
  reactor().CallLater(absl::ZeroDuration(),
                      [] { throw std::runtime_error("timer boom"); });
  reactor().CallLater(absl::ZeroDuration(),
                      Record(reactor(), order, "after", nullptr));
  harness().Turn();
  EXPECT_THAT(order, ElementsAre("after"));
  EXPECT_EQ(harness().unhandled_errors(), 1u);
  EXPECT_EQ(harness().timers().pending_count(), 0u);
}

// Twisted: test_distantDelayedCall.
TEST_P(ReactorConformanceTest, DistantCallDoesNotDisturbTheLoop) {
  std::vector<std::string> order;
  DelayedCall distant =
      reactor().CallLater(absl::Hours(24 * 365 * 1000),
                          Record(reactor(), order, "distant", nullptr));
  DelayedCall forever = reactor().CallLater(
      absl::InfiniteDuration(), Record(reactor(), order, "forever", nullptr));
  reactor().CallLater(absl::Milliseconds(1),
                      Record(reactor(), order, "soon", nullptr));
  ASSERT_TRUE(harness().RunUntil([&] { return !order.empty(); }));
  EXPECT_THAT(order, ElementsAre("soon"));
  EXPECT_TRUE(distant.active());
  EXPECT_TRUE(forever.active());
}

TEST_P(ReactorConformanceTest, HandlesOutliveTheReactor) {
  DelayedCall call =
      reactor().CallLater(absl::Seconds(1), [] { FAIL() << "ran"; });
  harness_.reset();
  EXPECT_FALSE(call.active());
  call.Cancel();
  EXPECT_FALSE(call.Delay(absl::Seconds(1)).ok());
}

// Resets and cancels leave nothing behind (an idle timeout reset per
// message keeps one timer entry, not one per reset).
TEST_P(ReactorConformanceTest, ResetTimeoutsStayOneEntryEach) {
  DelayedCall idle =
      reactor().CallLater(absl::Seconds(30), [] { FAIL() << "timed out"; });
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE((i % 2 == 0
                     ? idle.Reschedule(reactor().Now() + absl::Seconds(30))
                     : idle.Delay(absl::Microseconds(1)))
                    .ok());
    reactor()
        .CallLater(absl::Seconds(i % 60), [] { FAIL() << "cancelled"; })
        .Cancel();
    ASSERT_EQ(harness().timers().heap_entries(), 1u);
  }
  EXPECT_EQ(harness().timers().pending_count(), 1u);
  idle.Cancel();
  EXPECT_EQ(harness().timers().heap_entries(), 0u);
}

}  // namespace
}  // namespace standin::testutil
