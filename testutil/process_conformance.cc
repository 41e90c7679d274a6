#include "standin/testutil/process_conformance.h"

#include <signal.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/process_status.h"
#include "standin/process/process_transport.h"
#include "standin/testutil/process_recorder.h"

namespace standin::testutil {

// Instantiated by each implementation's own test; none here.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ProcessConformanceTest);

TEST_P(ProcessConformanceTest, EchoesStdinToStdout) {
  ProcessTransport* child = this->Start(ChildScript::Cat());
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->pid().has_value());
  child->Write("hello\n");
  const std::string_view chunks[] = {"a", "bc"};
  child->WriteSequence(chunks);
  ASSERT_TRUE(child->WriteToChild(0, "!").ok());
  this->RunUntil([&] { return this->recorder_.out() == "hello\nabc!"; });
  EXPECT_EQ(this->recorder_.out(), "hello\nabc!");
  EXPECT_FALSE(this->recorder_.exited().has_value());
  child->CloseStdin();
  this->RunUntilEnded();
  ASSERT_TRUE(this->recorder_.ended().has_value());
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  EXPECT_EQ(ExitCodeOf(*this->recorder_.exited()), 0);
  EXPECT_EQ(this->recorder_.err(), "");
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, KeepsStderrSeparateFromStdout) {
  this->Start(ChildScript::OutErr("to stdout", "to stderr"));
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.out(), "to stdout");
  EXPECT_EQ(this->recorder_.err(), "to stderr");
  ASSERT_TRUE(this->recorder_.ended().has_value());
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, ReportsExitCodeZeroAsDone) {
  this->Start(ChildScript::Exit(0));
  this->RunUntilEnded();
  ASSERT_TRUE(this->recorder_.ended().has_value());
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  EXPECT_EQ(this->recorder_.ended()->code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(SignalOf(*this->recorder_.ended()), std::nullopt);
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, ReportsNonZeroExitCodes) {
  for (int code : {1, 3, 255}) {
    ProcessRecorder& recorder = this->recorder_;
    recorder = ProcessRecorder();
    this->Start(ChildScript::Exit(code));
    this->RunUntilEnded();
    ASSERT_TRUE(recorder.ended().has_value()) << "code " << code;
    EXPECT_EQ(ExitCodeOf(*recorder.ended()), code);
    EXPECT_EQ(ExitCodeOf(*recorder.exited()), code);
    EXPECT_TRUE(IsProcessTerminated(*recorder.ended()));
    EXPECT_EQ(SignalOf(*recorder.ended()), std::nullopt);
    this->ExpectOrderly();
  }
}

TEST_P(ProcessConformanceTest, ReportsDeathBySignal) {
  struct Case {
    std::string name;  // Empty: send `signo` by number.
    int signo;
  };
  for (const Case& c : {Case{"TERM", SIGTERM}, Case{"KILL", SIGKILL},
                        Case{"INT", SIGINT}, Case{"", SIGHUP}}) {
    ProcessRecorder& recorder = this->recorder_;
    recorder = ProcessRecorder();
    ProcessTransport* child = this->Start(ChildScript::Sleep());
    ASSERT_NE(child, nullptr);
    absl::Status sent = c.name.empty() ? child->SignalProcess(c.signo)
                                       : child->SignalProcess(c.name);
    ASSERT_TRUE(sent.ok()) << sent;
    this->RunUntilEnded();
    ASSERT_TRUE(recorder.ended().has_value()) << c.signo;
    EXPECT_EQ(SignalOf(*recorder.ended()), c.signo);
    EXPECT_EQ(ExitCodeOf(*recorder.ended()), std::nullopt);
    EXPECT_TRUE(IsProcessTerminated(*recorder.ended()));
    this->ExpectOrderly();
  }
}

TEST_P(ProcessConformanceTest, ClosingStdinIsEofInTheChild) {
  ProcessTransport* child = this->Start(ChildScript::ReportStdinEof());
  ASSERT_NE(child, nullptr);
  child->Write("some input that the child discards\n");
  child->CloseStdin();
  // Dropped, not an error, before and after the pipe is gone.
  child->Write("dropped");
  EXPECT_TRUE(child->WriteToChild(0, "dropped").ok());
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.out(), "eof\n");
  ASSERT_TRUE(this->recorder_.ended().has_value());
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  EXPECT_TRUE(child->WriteToChild(0, "dropped").ok());
  // We closed stdin ourselves, so ChildConnectionLost(0) precedes the
  // child's reaction to it.
  const auto& calls = this->recorder_.calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[1],
            (ProcessRecorder::Call{ProcessRecorder::Call::Kind::kLost, 0}));
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, SignalAfterExitIsFailedPrecondition) {
  ProcessTransport* child = this->Start(ChildScript::Exit(0));
  ASSERT_NE(child, nullptr);
  this->RunUntilEnded();
  EXPECT_EQ(child->pid(), std::nullopt);
  for (absl::Status status :
       {child->SignalProcess("TERM"), child->SignalProcess(SIGKILL),
        child->SignalProcess(0)}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(status.message(), "process exited already");
  }
}

TEST_P(ProcessConformanceTest, RejectsBadSignalsAndUnmappedFds) {
  ProcessTransport* child = this->Start(ChildScript::Sleep());
  ASSERT_NE(child, nullptr);
  absl::Status status = child->SignalProcess("TEMR");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("TEMR"));
  EXPECT_EQ(child->SignalProcess(-1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(child->SignalProcess(NSIG).code(),
            absl::StatusCode::kInvalidArgument);
  status = child->WriteToChild(7, "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("7"));
  EXPECT_EQ(child->WriteToChild(1, "x").code(),
            absl::StatusCode::kInvalidArgument);
  // Still running after all that: signal 0 probes without harm.
  EXPECT_TRUE(child->SignalProcess(0).ok());
  EXPECT_FALSE(this->recorder_.exited().has_value());
  ASSERT_TRUE(child->SignalProcess("KILL").ok());
  this->RunUntilEnded();
  EXPECT_EQ(SignalOf(*this->recorder_.ended()), SIGKILL);
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, ReadsAnExtraChildFd) {
  this->Start(ChildScript::WriteExtraFd("on fd three"));
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.data(3), "on fd three");
  EXPECT_EQ(this->recorder_.out(), "");
  this->ExpectOrderly({0, 1, 2, 3});
}

TEST_P(ProcessConformanceTest, ChildClosingStdoutEarlyIsReported) {
  ProcessTransport* child = this->Start(ChildScript::CloseStdoutEarly());
  ASSERT_NE(child, nullptr);
  this->RunUntil([&] { return this->recorder_.has_lost(1); });
  EXPECT_FALSE(this->recorder_.exited().has_value());
  EXPECT_EQ(child->WriteToChild(1, "x").code(), absl::StatusCode::kNotFound);
  child->Write("more input");
  child->CloseStdin();
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.out(), "");
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, LoseConnectionClosesEveryStdioPipe) {
  ProcessTransport* child = this->Start(ChildScript::Cat());
  ASSERT_NE(child, nullptr);
  child->LoseConnection();
  this->RunUntil([&] { return this->recorder_.lost().size() == 3; });
  EXPECT_THAT(this->recorder_.lost(), ::testing::UnorderedElementsAre(0, 1, 2));
  // cat saw EOF on stdin and exits by itself.
  this->RunUntilEnded();
  EXPECT_TRUE(this->recorder_.ended().has_value());
  this->ExpectOrderly();
}

TEST_P(ProcessConformanceTest, PausedOutputWaitsButTheExitDoesNot) {
  ProcessTransport* child =
      this->Start(ChildScript::OutErr("held back", "also held"));
  ASSERT_NE(child, nullptr);
  child->PauseProducing();
  this->RunUntil([&] { return this->recorder_.exited().has_value(); });
  EXPECT_EQ(this->recorder_.out(), "");
  EXPECT_FALSE(this->recorder_.has_lost(1));
  EXPECT_FALSE(this->recorder_.ended().has_value());
  child->ResumeProducing();
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.out(), "held back");
  EXPECT_EQ(this->recorder_.err(), "also held");
  this->ExpectOrderly();
}

// A protocol that pauses its transport from inside ConnectionMade(), before
// any output was read, receives nothing until it resumes; the exit is
// reported meanwhile (Twisted's test_tcp.py pause-in-connectionMade
// regression, for process pipes).
TEST_P(ProcessConformanceTest, PauseFromConnectionMadeHoldsTheOutput) {
  recorder_.on_connection_made = [this] {
    recorder_.transport()->PauseProducing();
  };
  ProcessTransport* child =
      Start(ChildScript::OutErr("held back", "also held"));
  ASSERT_NE(child, nullptr);
  RunUntil([&] { return recorder_.exited().has_value(); });
  Settle();  // The output is in the pipes: give a reader every chance.
  EXPECT_EQ(recorder_.out(), "");
  EXPECT_EQ(recorder_.err(), "");
  EXPECT_FALSE(recorder_.has_lost(1));
  EXPECT_FALSE(recorder_.has_lost(2));
  EXPECT_FALSE(recorder_.ended().has_value());
  child->ResumeProducing();
  RunUntilEnded();
  EXPECT_EQ(recorder_.out(), "held back");
  EXPECT_EQ(recorder_.err(), "also held");
  ExpectOrderly();
}

}  // namespace standin::testutil
