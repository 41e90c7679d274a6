// The Supervisor against FakeProcessTransport children on a MemoryReactor:
// each child's behaviour is scripted and restart delays pass only when the
// test advances the clock.
#include "standin/examples/supervisor/supervisor.h"

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/fake_process_spawner.h"
#include "standin/process/fake_process_transport.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/testutil/process_matchers.h"

namespace standin::examples {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testutil::ExitedWithCode;
using testutil::KilledBySignal;
using testutil::ProcessSignalsAre;

FakeProcessTransport::Options EndOnFatalSignals() {
  FakeProcessTransport::Options options;
  options.signals_end_child = true;
  return options;
}

class SupervisorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Supervisor> Make(int max_restarts) {
    return std::make_unique<Supervisor>(
        &reactor_, &spawner_,
        Supervisor::Options{.name = "w",
                            .child = {.argv = {"worker", "--flag"}},
                            .max_restarts = max_restarts,
                            .restart_delay = absl::Seconds(1)},
        [this](std::string_view line) { lines_.emplace_back(line); });
  }
  // The fakes handed out so far (owned by the Supervisor; an ended one
  // lives until the next restart).
  std::vector<FakeProcessTransport*> children() const {
    std::vector<FakeProcessTransport*> out;
    for (const auto& call : spawner_.calls()) {
      if (call.transport != nullptr) out.push_back(call.transport);
    }
    return out;
  }

  testutil::MemoryReactor reactor_;
  FakeProcessSpawner spawner_{EndOnFatalSignals()};
  std::vector<std::string> lines_;
};

TEST_F(SupervisorTest, ForwardsEachLineWithAPrefix) {
  auto supervisor = Make(3);
  supervisor->Start();
  ASSERT_EQ(children().size(), 1u);
  FakeProcessTransport& child = *children()[0];
  child.ChildWrites(1, "hello\nwor");
  child.ChildWrites(2, "oops\n");
  child.ChildWrites(1, "ld\nno newline");
  child.ChildExits(0);
  EXPECT_THAT(lines_,
              ElementsAre("[w] started", "[w] out: hello", "[w] err: oops",
                          "[w] out: world", "[w] out: no newline",
                          "[w] exited with code 0; done"));
  EXPECT_EQ(supervisor->state(), Supervisor::State::kSucceeded);
  EXPECT_THAT(supervisor->last_status(), ExitedWithCode(0));
  reactor_.Advance(absl::Hours(1));
  EXPECT_EQ(children().size(), 1u);  // Success is never restarted.
}

TEST_F(SupervisorTest, RestartsAFailingChildAfterTheDelayUpToTheLimit) {
  auto supervisor = Make(2);
  supervisor->Start();
  children()[0]->ChildExits(3);
  EXPECT_EQ(supervisor->state(), Supervisor::State::kWaiting);
  EXPECT_EQ(lines_.back(), "[w] exited with code 3; restart 1 of 2 in 1s");
  reactor_.Advance(absl::Milliseconds(999));
  EXPECT_EQ(children().size(), 1u);
  reactor_.Advance(absl::Milliseconds(1));
  ASSERT_EQ(children().size(), 2u);
  EXPECT_EQ(lines_.back(), "[w] restarted (1 of 2)");
  EXPECT_EQ(supervisor->child(), children()[1]);

  children()[1]->ChildKilledBy(SIGSEGV);
  EXPECT_THAT(supervisor->last_status(), KilledBySignal(SIGSEGV));
  EXPECT_EQ(lines_.back(), "[w] killed by signal 11; restart 2 of 2 in 1s");
  reactor_.Advance(absl::Seconds(1));
  ASSERT_EQ(children().size(), 3u);

  children()[2]->ChildExits(1);
  EXPECT_EQ(supervisor->state(), Supervisor::State::kGaveUp);
  for (const auto& call : spawner_.calls()) {
    EXPECT_THAT(call.options.argv, ElementsAre("worker", "--flag"));
  }
  EXPECT_EQ(lines_.back(), "[w] exited with code 1; gave up after 2 restarts");
  EXPECT_EQ(supervisor->restarts(), 2);
  reactor_.Advance(absl::Hours(1));
  EXPECT_EQ(children().size(), 3u);
}

TEST_F(SupervisorTest, SuccessAfterARestartEndsIt) {
  auto supervisor = Make(5);
  supervisor->Start();
  children()[0]->ChildExits(2);
  reactor_.Advance(absl::Seconds(1));
  children()[1]->ChildWrites(1, "second try\n");
  children()[1]->ChildExits(0);
  EXPECT_EQ(supervisor->state(), Supervisor::State::kSucceeded);
  EXPECT_EQ(supervisor->restarts(), 1);
  EXPECT_THAT(
      lines_,
      ElementsAre("[w] started", "[w] exited with code 2; restart 1 of 5 in 1s",
                  "[w] restarted (1 of 5)", "[w] out: second try",
                  "[w] exited with code 0; done"));
}

TEST_F(SupervisorTest, ASpawnFailureCountsAsAFailure) {
  spawner_.FailNextSpawn(absl::NotFoundError("no such program"));
  auto supervisor = Make(1);
  supervisor->Start();
  EXPECT_THAT(children(), IsEmpty());
  EXPECT_EQ(lines_.back(),
            "[w] could not start (no such program); restart 1 of 1 in 1s");
  reactor_.Advance(absl::Seconds(1));
  ASSERT_EQ(children().size(), 1u);
  children()[0]->ChildExits(0);
  EXPECT_EQ(supervisor->state(), Supervisor::State::kSucceeded);
}

TEST_F(SupervisorTest, StopSendsTermAndDoesNotRestart) {
  auto supervisor = Make(3);
  supervisor->Start();
  FakeProcessTransport* child = children()[0];
  supervisor->Stop();
  // The fake ends on TERM (signals_end_child), so the child is gone now and
  // the supervisor has retired it; check what it was sent through lines.
  EXPECT_EQ(supervisor->state(), Supervisor::State::kStopped);
  EXPECT_THAT(supervisor->last_status(), KilledBySignal(SIGTERM));
  EXPECT_THAT(*child, ProcessSignalsAre("TERM"));
  EXPECT_EQ(lines_.back(), "[w] stopped");
  reactor_.Advance(absl::Hours(1));
  EXPECT_EQ(children().size(), 1u);
}

TEST_F(SupervisorTest, StopWhileWaitingCancelsTheRestart) {
  auto supervisor = Make(3);
  supervisor->Start();
  children()[0]->ChildExits(1);
  supervisor->Stop();
  EXPECT_EQ(supervisor->state(), Supervisor::State::kStopped);
  reactor_.Advance(absl::Hours(1));
  EXPECT_EQ(children().size(), 1u);
}

TEST_F(SupervisorTest, DestroyingTheSupervisorCancelsAPendingRestart) {
  auto supervisor = Make(3);
  supervisor->Start();
  children()[0]->ChildExits(1);
  supervisor.reset();
  reactor_.Advance(absl::Hours(1));  // Must not call into a dead object.
  EXPECT_EQ(children().size(), 1u);
}

using SupervisorDeathTest = SupervisorTest;

TEST_F(SupervisorDeathTest, StartingTwiceDies) {
  auto supervisor = Make(0);
  supervisor->Start();
  EXPECT_DEATH(supervisor->Start(), "Supervisor::Start\\(\\) called twice");
}

}  // namespace
}  // namespace standin::examples
