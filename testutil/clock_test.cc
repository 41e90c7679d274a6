// Clock and MemoryReactor: time moves only when told, in a defined order
// (Twisted's test_task.ClockTestCase cases).
#include "standin/testutil/clock.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/stream_connection.h"

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

// The idle-timeout pattern leaves no stale entries: one timer reset on every
// message (here 100,000 messages per virtual second) while an earlier 10 ms
// periodic timer keeps firing, so the reset timer never reaches the top of
// the heap. Before the indexed heap each reset left a stale entry until its
// old deadline came up: 100,000 entries with pending_count() at 2.
TEST(ClockTest, ResettingAnIdleTimeoutAMillionTimesKeepsTheHeapFlat) {
  Clock clock;
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    clock.CallLater(absl::Milliseconds(10), tick);
  };
  clock.CallLater(absl::Milliseconds(10), tick);
  bool timed_out = false;
  DelayedCall idle =
      clock.CallLater(absl::Seconds(1), [&] { timed_out = true; });
  size_t most = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    clock.Advance(absl::Microseconds(10));
    // Half the resets by Reschedule(), half by Delay(): the same deadline.
    absl::Status reset = i % 2 == 0
                             ? idle.Reschedule(clock.Now() + absl::Seconds(1))
                             : idle.Delay(absl::Microseconds(10));
    ASSERT_TRUE(reset.ok()) << reset;
    ASSERT_EQ(idle.time(), clock.Now() + absl::Seconds(1));
    const size_t entries = clock.timers().heap_entries();
    ASSERT_EQ(entries, clock.pending_count()) << "after reset " << i;
    most = std::max(most, entries);
  }
  EXPECT_EQ(ticks, 1000);  // 10 virtual seconds of 10 ms ticks.
  EXPECT_EQ(most, 2u);     // The periodic timer and the idle timeout.
  EXPECT_FALSE(timed_out);
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(clock.timers().heap_entries(), 1u);
}

TEST(ClockTest, ExceptionFromACallbackPropagatesAndLosesNothing) {
  Clock clock;
  std::vector<std::string> order;
  clock.CallLater(absl::Seconds(1), [] { throw std::runtime_error("boom"); });
  clock.CallLater(absl::Seconds(1), [&] { order.push_back("next"); });
  EXPECT_THROW(clock.Advance(absl::Seconds(1)), std::runtime_error);
  EXPECT_EQ(clock.Now(), kT0 + absl::Seconds(1));
  EXPECT_THAT(order, IsEmpty());
  clock.Advance(absl::ZeroDuration());
  EXPECT_THAT(order, ElementsAre("next"));
}

// A timed call may advance the clock itself (a nested pass).
TEST(ClockTest, AdvanceFromInsideACallback) {
  Clock clock;
  std::vector<std::string> order;
  clock.CallLater(absl::Seconds(1), [&] {
    order.push_back("outer");
    clock.Advance(absl::Seconds(1));
    order.push_back("outer done");
  });
  clock.CallLater(absl::Seconds(2), [&] { order.push_back("at 2"); });
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(order, ElementsAre("outer", "at 2", "outer done"));
  EXPECT_EQ(clock.Now(), kT0 + absl::Seconds(2));
}

TEST(ClockDeathTest, TimeDoesNotRunBackwards) {
  Clock clock;
  EXPECT_DEATH(clock.Advance(-absl::Seconds(1)), "cannot move time backwards");
}

class Probe : public Selectable {
 public:
  int fileno() const override { return fd; }
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
  int fd = 3;
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

// The rest of what a Reactor must do is the conformance suite's
// (memory_reactor_conformance_test); these are MemoryReactor's own helpers.
TEST(MemoryReactorTest, RunReadersAndWritersSkipANegativeFileno) {
  MemoryReactor reactor;
  Probe bad, good;
  bad.fd = -1;
  reactor.AddReader(&bad);
  reactor.AddWriter(&bad);
  reactor.AddReader(&good);
  EXPECT_EQ(reactor.RunReaders(), 1u);
  EXPECT_EQ(reactor.RunWriters(), 0u);
  EXPECT_EQ(bad.reads + bad.writes, 0);
  reactor.Advance(absl::ZeroDuration());  // The next pass tells it.
  ASSERT_EQ(bad.lost.size(), 1u);
  EXPECT_EQ(bad.lost[0].code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reactor.GetReaders(), ElementsAre(&good));
}

TEST(MemoryReactorTest, FireReadReturnsWhatAThrowingDoReadBecame) {
  MemoryReactor reactor;
  class Thrower : public Probe {
    absl::Status DoRead() override { throw std::runtime_error("boom"); }
  } thrower;
  reactor.AddReader(&thrower);
  absl::Status status = reactor.FireRead(&thrower);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(), "DoRead threw: boom");
  EXPECT_EQ(thrower.lost, std::vector<absl::Status>{status});
  EXPECT_EQ(reactor.unhandled_errors(), 1u);
}

TEST(MemoryReactorTest, TimeIsTheClocks) {
  MemoryReactor reactor;
  bool ran = false;
  reactor.CallLater(absl::Minutes(1), [&] { ran = true; });
  reactor.Pump({absl::Seconds(30), absl::Seconds(30)});
  EXPECT_TRUE(ran);
  EXPECT_EQ(reactor.Now(), kT0 + absl::Minutes(1));
}

// Code under test that serves and dials through a StreamNetwork.
absl::Status ServeAndDial(StreamNetwork& network, Protocol* client,
                          std::unique_ptr<ListeningPort>* port,
                          std::unique_ptr<Transport>* connection) {
  auto listening = network.ListenTcp(
      8080, [](const Address&) { return std::make_unique<Protocol>(); },
      "0.0.0.0", 7);
  if (!listening.ok()) return listening.status();
  *port = *std::move(listening);
  auto dialled = network.ConnectTcp("192.0.2.7", 6379, client);
  if (!dialled.ok()) return dialled.status();
  *connection = *std::move(dialled);
  return absl::OkStatus();
}

TEST(MemoryReactorTest, RecordsListenAndConnectCalls) {
  MemoryReactor reactor;
  Protocol client;
  std::unique_ptr<ListeningPort> port;
  std::unique_ptr<Transport> connection;
  ASSERT_TRUE(ServeAndDial(reactor, &client, &port, &connection).ok());

  ASSERT_EQ(reactor.tcp_servers().size(), 1u);
  MemoryReactor::TcpServer& server = reactor.tcp_servers()[0];
  EXPECT_EQ(server.port, 8080);
  EXPECT_EQ(server.host, "0.0.0.0");
  EXPECT_EQ(server.backlog, 7);
  EXPECT_TRUE(server.factory(UnixAddress{}) != nullptr);
  EXPECT_EQ(port->GetHost(),
            Address(IPv4Address{IPv4Address::Kind::kTcp, "0.0.0.0", 8080}));
  EXPECT_FALSE(server.stopped);
  port->StopListening();
  EXPECT_TRUE(server.stopped);

  ASSERT_EQ(reactor.tcp_clients().size(), 1u);
  MemoryReactor::TcpClient& call = reactor.tcp_clients()[0];
  EXPECT_EQ(call.host, "192.0.2.7");
  EXPECT_EQ(call.port, 6379);
  EXPECT_EQ(call.protocol, &client);
  EXPECT_EQ(call.transport, connection.get());
  EXPECT_EQ(client.transport(), nullptr);  // Not connected by the reactor.
  call.protocol->MakeConnection(call.transport);
  EXPECT_EQ(client.transport(), connection.get());
  EXPECT_EQ(connection->GetPeer(),
            Address(IPv4Address{IPv4Address::Kind::kTcp, "192.0.2.7", 6379}));
}

TEST(MemoryReactorTest, RecordsUnixCallsAndHandsOverTheFailureCallback) {
  MemoryReactor reactor;
  Protocol client;
  absl::Status failure;
  auto port = reactor.ListenUnix("/run/x.sock", [](const Address&) {
    return std::unique_ptr<Protocol>();
  });
  ASSERT_TRUE(port.ok());
  EXPECT_EQ((*port)->GetHost(), Address(UnixAddress{"/run/x.sock"}));
  auto conn = reactor.ConnectUnix("/run/y.sock", &client,
                                  [&](const absl::Status& s) { failure = s; });
  ASSERT_TRUE(conn.ok());
  ASSERT_EQ(reactor.unix_clients().size(), 1u);
  reactor.unix_clients()[0].on_failed(absl::UnavailableError("refused"));
  EXPECT_EQ(failure.message(), "refused");
  port->reset();
  EXPECT_TRUE(reactor.unix_servers()[0].stopped);
}

TEST(MemoryReactorDeathTest, FiringANonReaderDies) {
  MemoryReactor reactor;
  Probe probe;
  EXPECT_DEATH(reactor.FireRead(&probe).IgnoreError(), "is not a reader");
}

}  // namespace
}  // namespace standin::testutil
