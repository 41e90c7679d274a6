#include "standin/testutil/process_matchers.h"

#include <signal.h>

#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process_status.h"
#include "standin/testutil/matchers.h"

namespace standin::testutil {
namespace {

using ::testing::Not;

template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  testing::StringMatchResultListener listener;
  testing::Matcher<const T&>(matcher).MatchAndExplain(value, &listener);
  return listener.str();
}

template <typename M, typename T>
std::string Describe(const M& matcher) {
  return testing::DescribeMatcher<const T&>(matcher);
}

TEST(ProcessSignalsAreTest, MatchesInOrderAsGiven) {
  FakeProcessTransport child;
  ASSERT_TRUE(child.SignalProcess("TERM").ok());
  ASSERT_TRUE(child.SignalProcess(SIGKILL).ok());
  EXPECT_THAT(child, ProcessSignalsAre("TERM", SIGKILL));
  EXPECT_THAT(&child, ProcessSignalsAre("TERM", 9));
  EXPECT_THAT(child, Not(ProcessSignalsAre(SIGKILL, "TERM")));
  // A name and its number are different records: compared as given.
  EXPECT_THAT(child, Not(ProcessSignalsAre(SIGTERM, SIGKILL)));
  EXPECT_EQ(Explain(ProcessSignalsAre("INT"), child),
            "whose signals are [\"TERM\", 9]");
  EXPECT_EQ((Describe<decltype(ProcessSignalsAre("INT")), FakeProcessTransport>(
                ProcessSignalsAre("INT"))),
            "was sent the signals [\"INT\"]");
}

TEST(ProcessSignalsAreTest, NoSignals) {
  FakeProcessTransport child;
  EXPECT_THAT(child, ProcessSignalsAre());
}

TEST(ClosedChildFdsAreTest, MatchesTheSet) {
  FakeProcessTransport child;
  child.CloseStderr();
  child.CloseStdin();
  EXPECT_THAT(child, ClosedChildFdsAre(0, 2));
  EXPECT_THAT(child, ClosedChildFdsAre(2, 0));  // A set: order-free.
  EXPECT_THAT(child, Not(ClosedChildFdsAre(0)));
  EXPECT_EQ(Explain(ClosedChildFdsAre(1), child),
            "whose closed child fds are {0, 2}");
}

TEST(ExitedWithCodeTest, MatchesStatusesAndOptionals) {
  EXPECT_THAT(ProcessDone(), ExitedWithCode(0));
  EXPECT_THAT(ProcessExitStatus(3), ExitedWithCode(3));
  EXPECT_THAT(ProcessExitStatus(3), Not(ExitedWithCode(0)));
  EXPECT_THAT(ProcessKilledStatus(SIGKILL), Not(ExitedWithCode(0)));
  std::optional<absl::Status> ended = ProcessExitStatus(1);
  EXPECT_THAT(ended, ExitedWithCode(1));
  EXPECT_THAT(std::optional<absl::Status>(), Not(ExitedWithCode(0)));
}

TEST(ExitedWithCodeTest, ExplainsWhatHappenedInstead) {
  EXPECT_EQ(Explain(ExitedWithCode(0), ProcessKilledStatus(SIGKILL)),
            "which was killed by signal 9 (SIGKILL)");
  EXPECT_EQ(Explain(ExitedWithCode(0), ProcessExitStatus(2)),
            "which exited with code 2");
  EXPECT_EQ(Explain(ExitedWithCode(0), absl::InternalError("boom")),
            "which is not a process status: INTERNAL: boom");
  EXPECT_EQ(Explain(ExitedWithCode(0), std::optional<absl::Status>()),
            "which has not ended (nullopt)");
  EXPECT_EQ(
      (Describe<decltype(ExitedWithCode(4)), absl::Status>(ExitedWithCode(4))),
      "exited with code 4");
}

TEST(KilledBySignalTest, MatchesTheSignal) {
  EXPECT_THAT(ProcessKilledStatus(SIGTERM), KilledBySignal(SIGTERM));
  EXPECT_THAT(ProcessKilledStatus(SIGTERM), Not(KilledBySignal(SIGKILL)));
  EXPECT_THAT(ProcessDone(), Not(KilledBySignal(SIGTERM)));
  EXPECT_EQ(Explain(KilledBySignal(SIGTERM), ProcessDone()),
            "which exited with code 0");
  EXPECT_EQ((Describe<decltype(KilledBySignal(SIGINT)), absl::Status>(
                KilledBySignal(SIGINT))),
            "was killed by signal 2 (SIGINT)");
}

TEST(ProcessMatchersTest, TransportMatchersWorkOnTheFakeToo) {
  FakeProcessTransport child;
  child.Write("to stdin");
  EXPECT_THAT(child, HasWritten("to stdin"));
  child.LoseConnection();
  EXPECT_THAT(child, IsDisconnecting());
  EXPECT_THAT(child, ClosedChildFdsAre(0, 1, 2));
}

TEST(ProcessMatchersTest, WorkWithTheFakesScriptedEnding) {
  FakeProcessTransport child;
  child.ChildKilledBy(SIGSEGV);
  EXPECT_THAT(child.exit_status(), KilledBySignal(SIGSEGV));
}

}  // namespace
}  // namespace standin::testutil
