#include "standin/process/fake_process_transport.h"

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_status.h"
#include "standin/transport/address.h"
#include "standin/transport/string_transport.h"

namespace standin {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Signal = FakeProcessTransport::Signal;

// Logs each callback as a short string, e.g. "out:hi", "lost:1", "exited:0".
class LogProtocol : public ProcessProtocol {
 public:
  void ConnectionMade() override { log.push_back("made"); }
  void ChildDataReceived(int fd, std::string_view data) override {
    ++depth;
    log.push_back("data" + std::to_string(fd) + ":" + std::string(data));
    if (on_data) on_data(fd, data);
    --depth;
  }
  void ChildConnectionLost(int fd) override {
    log.push_back("lost:" + std::to_string(fd) +
                  (depth > 0 ? " (nested!)" : ""));
  }
  void ProcessExited(const absl::Status& status) override {
    log.push_back("exited:" + Describe(status));
  }
  void ProcessEnded(const absl::Status& status) override {
    log.push_back("ended:" + Describe(status));
  }
  static std::string Describe(const absl::Status& status) {
    if (auto code = ExitCodeOf(status)) return std::to_string(*code);
    if (auto sig = SignalOf(status)) return "sig" + std::to_string(*sig);
    return status.ToString();
  }

  std::vector<std::string> log;
  std::function<void(int, std::string_view)> on_data;
  int depth = 0;
};

TEST(FakeProcessTransportTest, ConnectsTheProtocolOnConstruction) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  EXPECT_EQ(protocol.transport(), &child);
  EXPECT_THAT(protocol.log, ElementsAre("made"));
  EXPECT_EQ(child.pid(), FakeProcessTransport::kDefaultPid);
  EXPECT_EQ(child.GetHost(), Address(ProcessAddress{}));
  EXPECT_EQ(child.GetPeer(), Address(ProcessAddress{}));
  EXPECT_EQ(child.open_child_fds(), (std::set<int>{0, 1, 2}));
}

TEST(FakeProcessTransportTest, WorksWithoutAProtocol) {
  FakeProcessTransport child;
  child.Write("x");
  child.ChildWrites(1, "ignored");
  child.ChildExits(0);
  EXPECT_TRUE(child.ended());
  EXPECT_EQ(child.Value(), "x");
}

TEST(FakeProcessTransportTest, StdinWritesLandInValue) {
  FakeProcessTransport child;
  child.Write("a");
  const std::string_view chunks[] = {"b", "c"};
  child.WriteSequence(chunks);
  ASSERT_TRUE(child.WriteToChild(0, "d").ok());
  EXPECT_EQ(child.Value(), "abcd");
  EXPECT_THAT(child.events(),
              ElementsAre(StringTransport::Event::Write("a"),
                          StringTransport::Event::WriteSequence({"b", "c"}),
                          StringTransport::Event::Write("d")));
}

TEST(FakeProcessTransportTest, WritesAfterClosingStdinAreDropped) {
  FakeProcessTransport child;
  child.Write("kept");
  child.CloseStdin();
  child.Write("dropped");
  EXPECT_TRUE(child.WriteToChild(0, "dropped").ok());
  EXPECT_EQ(child.Value(), "kept");
}

TEST(FakeProcessTransportTest, WriteToChildChecksTheFd) {
  FakeProcessTransport::Options options;
  options.child_fds[3] = ChildFdKind::kToChild;
  FakeProcessTransport child(nullptr, options);
  ASSERT_TRUE(child.WriteToChild(3, "three").ok());
  EXPECT_EQ(child.child_input(3), "three");
  EXPECT_EQ(child.Value(), "");
  absl::Status status = child.WriteToChild(4, "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "child fd 4 is not mapped (or its pipe is closed)");
  EXPECT_EQ(child.WriteToChild(1, "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FakeProcessTransportTest, RecordsSignalsInOrderAsGiven) {
  FakeProcessTransport child;
  ASSERT_TRUE(child.SignalProcess("TERM").ok());
  ASSERT_TRUE(child.SignalProcess(SIGKILL).ok());
  ASSERT_TRUE(child.SignalProcess("INT").ok());
  EXPECT_EQ(child.SignalProcess("BOGUS").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(child.signals(),
              ElementsAre(Signal("TERM"), Signal(SIGKILL), Signal("INT")));
  // Without signals_end_child the child shrugs them off.
  EXPECT_FALSE(child.exit_status().has_value());
}

TEST(FakeProcessTransportTest, RecordsClosedChildFdsSortedIncludingUnknown) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  child.CloseStderr();
  child.CloseChildFD(7);
  child.CloseStdin();
  child.CloseStdin();  // Twice: one ChildConnectionLost.
  EXPECT_THAT(child.closed_child_fds(), ElementsAre(0, 2, 7));
  EXPECT_THAT(protocol.log, ElementsAre("made", "lost:2", "lost:0"));
}

TEST(FakeProcessTransportTest, LoseConnectionClosesStdinStderrStdout) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  child.LoseConnection();
  EXPECT_TRUE(child.disconnecting());
  EXPECT_THAT(child.closed_child_fds(), ElementsAre(0, 1, 2));
  EXPECT_THAT(protocol.log, ElementsAre("made", "lost:0", "lost:2", "lost:1"));
  EXPECT_THAT(child.events(),
              ElementsAre(StringTransport::Event::LoseConnection()));
  // The child still runs until it exits; then the process ends.
  child.ChildExits(0);
  EXPECT_THAT(protocol.log, ElementsAre("made", "lost:0", "lost:2", "lost:1",
                                        "exited:0", "ended:0"));
}

TEST(FakeProcessTransportTest, ChildOutputGoesToTheRightCallbacks) {
  FakeProcessTransport::Options options;
  options.child_fds[3] = ChildFdKind::kFromChild;
  LogProtocol protocol;
  FakeProcessTransport child(&protocol, options);
  child.ChildWrites(1, "out");
  child.ChildWrites(2, "err");
  child.ChildWrites(3, "three");
  EXPECT_THAT(protocol.log,
              ElementsAre("made", "data1:out", "data2:err", "data3:three"));
}

TEST(FakeProcessTransportTest, ExitClosesPipesThenExitsThenEnds) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  child.ChildWrites(1, "bye");
  child.ChildExits(3);
  EXPECT_THAT(protocol.log, ElementsAre("made", "data1:bye", "lost:0", "lost:1",
                                        "lost:2", "exited:3", "ended:3"));
  EXPECT_EQ(child.pid(), std::nullopt);
  EXPECT_TRUE(child.ended());
  EXPECT_EQ(ExitCodeOf(*child.exit_status()), 3);
}

TEST(FakeProcessTransportTest, GrandchildHoldingPipesDelaysProcessEnded) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  child.ChildKilledBy(SIGTERM, FakeProcessTransport::FdsOnExit::kKeepOpen);
  EXPECT_THAT(protocol.log, ElementsAre("made", "exited:sig15"));
  EXPECT_FALSE(child.ended());
  child.ChildWrites(1, "from the grandchild");
  child.ChildClosesFD(1);
  child.ChildClosesFD(0);
  EXPECT_FALSE(child.ended());
  child.CloseStderr();  // We may close our end instead.
  EXPECT_TRUE(child.ended());
  EXPECT_THAT(protocol.log,
              ElementsAre("made", "exited:sig15", "data1:from the grandchild",
                          "lost:1", "lost:0", "lost:2", "ended:sig15"));
}

TEST(FakeProcessTransportTest, PausedOutputWaitsInOrderButTheExitDoesNot) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  child.PauseProducing();
  child.ChildWrites(1, "one");
  child.ChildWrites(2, "two");
  child.ChildExits(0);
  // stdin is noticed at once; output, EOFs and the end wait.
  EXPECT_THAT(protocol.log, ElementsAre("made", "lost:0", "exited:0"));
  child.ResumeProducing();
  EXPECT_THAT(protocol.log,
              ElementsAre("made", "lost:0", "exited:0", "data1:one",
                          "data2:two", "lost:1", "lost:2", "ended:0"));
  EXPECT_THAT(child.events(),
              ElementsAre(StringTransport::Event::PauseProducing(),
                          StringTransport::Event::ResumeProducing()));
}

TEST(FakeProcessTransportTest, ClosingOurEndDropsUnreadOutput) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  child.PauseProducing();
  child.ChildWrites(1, "never read");
  child.CloseStdout();
  child.ResumeProducing();
  child.ChildWrites(1, "EPIPE in the child");
  EXPECT_THAT(protocol.log, ElementsAre("made", "lost:1"));
}

TEST(FakeProcessTransportTest, CallbacksNeverNest) {
  LogProtocol protocol;
  FakeProcessTransport child(&protocol);
  protocol.on_data = [&](int, std::string_view) {
    child.CloseStdin();
    EXPECT_TRUE(child.SignalProcess("KILL").ok());
  };
  child.set_signals_end_child(true);
  child.ChildWrites(1, "go");
  EXPECT_THAT(protocol.log, ElementsAre("made", "data1:go", "lost:0", "lost:1",
                                        "lost:2", "exited:sig9", "ended:sig9"));
}

TEST(FakeProcessTransportTest, FatalSignalsEndTheChildWhenAsked) {
  FakeProcessTransport::Options options;
  options.signals_end_child = true;
  LogProtocol protocol;
  FakeProcessTransport child(&protocol, options);
  ASSERT_TRUE(child.SignalProcess("STOP").ok());  // Not fatal.
  ASSERT_TRUE(child.SignalProcess(0).ok());       // Only a probe.
  EXPECT_FALSE(child.exit_status().has_value());
  ASSERT_TRUE(child.SignalProcess("TERM").ok());
  EXPECT_EQ(SignalOf(*child.exit_status()), SIGTERM);
  EXPECT_TRUE(child.ended());
  absl::Status after = child.SignalProcess("KILL");
  EXPECT_EQ(after.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(after.message(), "process exited already");
  EXPECT_EQ(child.SignalProcess(9).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(child.signals(),
              ElementsAre(Signal("STOP"), Signal(0), Signal("TERM")));
}

TEST(FakeProcessTransportTest, ProtocolMayDestroyItInProcessEnded) {
  struct Destroyer : LogProtocol {
    std::unique_ptr<FakeProcessTransport>* owner = nullptr;
    void ProcessEnded(const absl::Status& status) override {
      LogProtocol::ProcessEnded(status);
      owner->reset();
    }
  };
  Destroyer destroyer;
  std::unique_ptr<FakeProcessTransport> child;
  destroyer.owner = &child;
  child = std::make_unique<FakeProcessTransport>(&destroyer);
  child->ChildExits(0);  // Runs ProcessEnded(), which destroys it.
  EXPECT_EQ(child, nullptr);
  EXPECT_EQ(destroyer.log.back(), "ended:0");
}

TEST(FakeProcessTransportTest, CustomPid) {
  FakeProcessTransport::Options options;
  options.pid = std::nullopt;
  FakeProcessTransport child(nullptr, options);
  EXPECT_EQ(child.pid(), std::nullopt);
}

using FakeProcessTransportDeathTest = ::testing::Test;

TEST(FakeProcessTransportDeathTest, ScriptMisuseDies) {
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.ChildWrites(0, "x");
      },
      "ChildWrites\\(0\\): not a from-child fd");
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.ChildWrites(5, "x");
      },
      "ChildWrites\\(5\\): not a from-child fd");
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.ChildClosesFD(1);
        child.ChildWrites(1, "x");
      },
      "the child already closed that fd");
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.ChildClosesFD(1);
        child.ChildClosesFD(1);
      },
      "ChildClosesFD\\(1\\): the child already closed that fd");
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.ChildExits(0);
        child.ChildKilledBy(SIGKILL);
      },
      "the child already exited");
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.ChildExits(256);
      },
      "exit codes are 0-255");
  EXPECT_DEATH(
      {
        FakeProcessTransport child;
        child.LoseConnection();
        child.PauseProducing();
      },
      "Cannot resume producing after loseConnection");
}

}  // namespace
}  // namespace standin
