// PortLifecycle on a MemoryReactor: the state moves idle -> listening ->
// stopping -> stopped, reading is registered only while listening, and a
// stop finishes on the next turn (or now, or never), exactly once.
#include "standin/transport/port_lifecycle.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/testutil/memory_reactor.h"

namespace standin {
namespace {

using State = PortLifecycle::State;

class Port : public Selectable {
 public:
  int fileno() const override { return 7; }
};

class PortLifecycleTest : public ::testing::Test {
 protected:
  testutil::MemoryReactor reactor_;
  Port port_;
  std::vector<std::string> log_;
  PortLifecycle life_{&port_, &reactor_, [this] { log_.push_back("finish"); }};
};

TEST_F(PortLifecycleTest, StartsIdleAndUnregistered) {
  EXPECT_EQ(life_.state(), State::kIdle);
  EXPECT_FALSE(life_.listening());
  EXPECT_FALSE(life_.reading());
  EXPECT_FALSE(reactor_.HasReader(&port_));
}

TEST_F(PortLifecycleTest, StartListeningRegistersTheReader) {
  life_.StartListening();
  EXPECT_EQ(life_.state(), State::kListening);
  EXPECT_TRUE(life_.listening());
  EXPECT_TRUE(life_.reading());
  EXPECT_TRUE(reactor_.HasReader(&port_));
}

TEST_F(PortLifecycleTest, StopAndStartReadingWhileListening) {
  life_.StartListening();
  life_.StopReading();
  EXPECT_FALSE(life_.reading());
  EXPECT_FALSE(reactor_.HasReader(&port_));
  EXPECT_TRUE(life_.listening());
  life_.StartReading();
  EXPECT_TRUE(life_.reading());
  EXPECT_TRUE(reactor_.HasReader(&port_));
}

TEST_F(PortLifecycleTest, StartReadingTellsTheReactorAgainAfterRemoveAll) {
  life_.StartListening();
  (void)reactor_.RemoveAll();
  life_.StartReading();
  EXPECT_TRUE(reactor_.HasReader(&port_));
}

TEST_F(PortLifecycleTest, StartReadingIsANoOpUnlessListening) {
  life_.StartReading();
  EXPECT_FALSE(life_.reading());
  EXPECT_FALSE(reactor_.HasReader(&port_));
  life_.StartListening();
  life_.Stop();
  life_.StartReading();  // A resume after the stop: still no reading.
  EXPECT_FALSE(life_.reading());
  EXPECT_FALSE(reactor_.HasReader(&port_));
  reactor_.Advance(absl::ZeroDuration());
  life_.StartReading();
  EXPECT_FALSE(reactor_.HasReader(&port_));
}

TEST_F(PortLifecycleTest, StopStopsReadingNowAndFinishesOnTheNextTurn) {
  life_.StartListening();
  life_.Stop([this] { log_.push_back("first"); });
  EXPECT_EQ(life_.state(), State::kStopping);
  EXPECT_FALSE(life_.listening());
  EXPECT_FALSE(life_.reading());
  EXPECT_FALSE(reactor_.HasReader(&port_));
  EXPECT_TRUE(log_.empty());  // Never inside the caller.
  life_.Stop([this] { log_.push_back("second"); });
  life_.Stop();  // No callback: harmless.
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(life_.state(), State::kStopped);
  EXPECT_EQ(log_, (std::vector<std::string>{"finish", "first", "second"}));
  reactor_.Advance(absl::Seconds(1));
  EXPECT_EQ(log_.size(), 3u);  // Once.
}

TEST_F(PortLifecycleTest, StopWhenIdleRunsTheCallbackAtOnceWithoutFinish) {
  life_.Stop([this] { log_.push_back("stopped"); });
  EXPECT_EQ(log_, std::vector<std::string>{"stopped"});
  EXPECT_EQ(life_.state(), State::kIdle);
}

TEST_F(PortLifecycleTest, StopWhenStoppedRunsTheCallbackAtOnce) {
  life_.StartListening();
  life_.Stop();
  reactor_.Advance(absl::ZeroDuration());
  life_.Stop([this] { log_.push_back("late"); });
  EXPECT_EQ(log_, (std::vector<std::string>{"finish", "late"}));
}

TEST_F(PortLifecycleTest, FinishNowFromListening) {
  life_.StartListening();
  life_.FinishNow();
  EXPECT_EQ(life_.state(), State::kStopped);
  EXPECT_FALSE(reactor_.HasReader(&port_));
  EXPECT_EQ(log_, std::vector<std::string>{"finish"});
  life_.FinishNow();  // Once.
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(PortLifecycleTest, FinishNowWhileStoppingRunsWhatWaitedOnce) {
  life_.StartListening();
  life_.Stop([this] { log_.push_back("stopped"); });
  life_.FinishNow();
  EXPECT_EQ(log_, (std::vector<std::string>{"finish", "stopped"}));
  reactor_.Advance(absl::ZeroDuration());  // The turn's call was cancelled.
  EXPECT_EQ(log_.size(), 2u);
}

TEST_F(PortLifecycleTest, FinishNowWhenIdleDoesNothing) {
  life_.FinishNow();
  EXPECT_EQ(life_.state(), State::kIdle);
  EXPECT_TRUE(log_.empty());
}

TEST_F(PortLifecycleTest, AbandonDropsThePendingFinish) {
  life_.StartListening();
  life_.Stop([this] { log_.push_back("stopped"); });
  life_.Abandon();
  EXPECT_EQ(life_.state(), State::kStopped);
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_TRUE(log_.empty());
}

TEST_F(PortLifecycleTest, DestructionUnregistersAndDropsThePendingFinish) {
  bool ran = false;
  {
    Port other;
    PortLifecycle life(&other, &reactor_, [&] { ran = true; });
    life.StartListening();
    EXPECT_TRUE(reactor_.HasReader(&other));
    life.Stop();
  }
  {
    Port other;
    PortLifecycle life(&other, &reactor_, nullptr);
    life.StartListening();
  }
  EXPECT_TRUE(reactor_.GetReaders().empty());
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_FALSE(ran);
}

// An owner that dies from inside its own stop: Twisted's users do this
// (the stopped callback drops the last reference to the port).
struct Owner {
  Owner(testutil::MemoryReactor* reactor, std::vector<std::string>* log)
      : life(&port, reactor, [log] { log->push_back("finish"); }) {}
  Port port;
  PortLifecycle life;
};

TEST_F(PortLifecycleTest, ACallbackMayDestroyTheOwner) {
  auto owner = std::make_unique<Owner>(&reactor_, &log_);
  owner->life.StartListening();
  owner->life.Stop([&] { owner.reset(); });
  owner->life.Stop([this] { log_.push_back("after"); });
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(owner, nullptr);
  EXPECT_EQ(log_, (std::vector<std::string>{"finish", "after"}));
}

TEST_F(PortLifecycleTest, TheFinishMayDestroyTheOwner) {
  std::unique_ptr<PortLifecycle> life;
  life = std::make_unique<PortLifecycle>(&port_, &reactor_,
                                         [&life] { life.reset(); });
  life->StartListening();
  life->Stop([this] { log_.push_back("after"); });
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(life, nullptr);
  EXPECT_EQ(log_, std::vector<std::string>{"after"});
}

TEST(PortLifecycleDeathTest, StartListeningTwiceDies) {
  testutil::MemoryReactor reactor;
  Port port;
  PortLifecycle life(&port, &reactor, nullptr);
  life.StartListening();
  EXPECT_DEATH(life.StartListening(),
               "PortLifecycle misuse: StartListening\\(\\) when listening");
}

TEST(PortLifecycleToStringTest, NamesEachState) {
  EXPECT_EQ(ToString(State::kIdle), "idle");
  EXPECT_EQ(ToString(State::kListening), "listening");
  EXPECT_EQ(ToString(State::kStopping), "stopping");
  EXPECT_EQ(ToString(State::kStopped), "stopped");
}

}  // namespace
}  // namespace standin
