// The process conformance suite: one typed gtest suite that any
// ProcessTransport implementation runs, so the fake and the real child are
// held to the same contract (the trio/Twisted "verified fake" pattern).
//
// An implementation supplies a Harness type that can start a child playing
// one of a few ChildScripts (cat, write to stdout and stderr, exit with a
// code, sleep until signalled, ...) and can run its event loop until a
// condition holds. The suite then checks what a ProcessProtocol sees: bytes
// per fd, exit codes and signal deaths in the status, closing stdin as EOF
// in the child, SignalProcess() after the exit, and the order of callbacks
// (CheckCallbackOrder()).
//
// Example (process/process_conformance_test.cc does this for both):
//
//   class MyHarness {
//    public:
//     // Starts `script` with `protocol` connected; never null.
//     standin::ProcessTransport* Start(standin::testutil::ProcessRecorder*,
//                                      const standin::testutil::ChildScript&);
//     // Runs until done() (ADD_FAILURE if it never will).
//     void RunUntil(const std::function<bool()>& done);
//   };
//   using Harnesses = ::testing::Types<MyHarness>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(Mine, ProcessConformanceTest, Harnesses);
//
// ProcessRecorder, the protocol the suite uses, is also handy on its own: it
// keeps each fd's bytes and the ordered list of callbacks.
#ifndef STANDIN_TESTUTIL_PROCESS_CONFORMANCE_H_
#define STANDIN_TESTUTIL_PROCESS_CONFORMANCE_H_

#include <signal.h>

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_status.h"
#include "standin/process/process_transport.h"
#include "standin/testutil/process_recorder.h"

namespace standin::testutil {

// What the child in a conformance test does. Each harness implements every
// kind (the real one with /bin/sh, cat, sleep; the fake with a script).
struct ChildScript {
  enum class Kind {
    kCat,              // Copy stdin to stdout until EOF, then exit 0.
    kOutErr,           // Write `out` to fd 1 and `err` to fd 2, exit 0.
    kExit,             // Exit with `code` at once.
    kSleep,            // Do nothing until a fatal signal kills it.
    kReportStdinEof,   // Read stdin to EOF, then write "eof\n", exit 0.
    kWriteExtraFd,     // Write `out` to child fd 3 (a from-child pipe),
                       // exit 0.
    kCloseStdoutEarly  // Close fd 1 at once, then read stdin to EOF and
                       // exit 0.
  };
  Kind kind = Kind::kCat;
  std::string out;
  std::string err;
  int code = 0;

  static ChildScript Cat() { return {Kind::kCat}; }
  static ChildScript OutErr(std::string out, std::string err) {
    return {Kind::kOutErr, std::move(out), std::move(err)};
  }
  static ChildScript Exit(int code) { return {Kind::kExit, "", "", code}; }
  static ChildScript Sleep() { return {Kind::kSleep}; }
  static ChildScript ReportStdinEof() { return {Kind::kReportStdinEof}; }
  static ChildScript WriteExtraFd(std::string out) {
    return {Kind::kWriteExtraFd, std::move(out)};
  }
  static ChildScript CloseStdoutEarly() { return {Kind::kCloseStdoutEarly}; }
};

// The suite. TypeParam is a Harness (see the file comment).
template <typename Harness>
class ProcessConformanceTest : public ::testing::Test {
 protected:
  ProcessTransport* Start(const ChildScript& script) {
    ProcessTransport* transport = harness_.Start(&recorder_, script);
    EXPECT_NE(transport, nullptr);
    return transport;
  }
  void RunUntil(const std::function<bool()>& done) { harness_.RunUntil(done); }
  void RunUntilEnded() {
    RunUntil([this] { return recorder_.ended().has_value(); });
  }
  // The standard child fds, closed in a valid order.
  void ExpectOrderly(const std::set<int>& fds = {0, 1, 2}) {
    EXPECT_EQ(CheckCallbackOrder(recorder_.calls(), fds), "");
    std::set<int> lost(recorder_.lost().begin(), recorder_.lost().end());
    EXPECT_EQ(lost, fds);
  }

  Harness harness_;
  ProcessRecorder recorder_;
};

TYPED_TEST_SUITE_P(ProcessConformanceTest);

TYPED_TEST_P(ProcessConformanceTest, EchoesStdinToStdout) {
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

TYPED_TEST_P(ProcessConformanceTest, KeepsStderrSeparateFromStdout) {
  this->Start(ChildScript::OutErr("to stdout", "to stderr"));
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.out(), "to stdout");
  EXPECT_EQ(this->recorder_.err(), "to stderr");
  ASSERT_TRUE(this->recorder_.ended().has_value());
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  this->ExpectOrderly();
}

TYPED_TEST_P(ProcessConformanceTest, ReportsExitCodeZeroAsDone) {
  this->Start(ChildScript::Exit(0));
  this->RunUntilEnded();
  ASSERT_TRUE(this->recorder_.ended().has_value());
  EXPECT_TRUE(IsProcessDone(*this->recorder_.ended()));
  EXPECT_EQ(this->recorder_.ended()->code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(SignalOf(*this->recorder_.ended()), std::nullopt);
  this->ExpectOrderly();
}

TYPED_TEST_P(ProcessConformanceTest, ReportsNonZeroExitCodes) {
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

TYPED_TEST_P(ProcessConformanceTest, ReportsDeathBySignal) {
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

TYPED_TEST_P(ProcessConformanceTest, ClosingStdinIsEofInTheChild) {
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

TYPED_TEST_P(ProcessConformanceTest, SignalAfterExitIsFailedPrecondition) {
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

TYPED_TEST_P(ProcessConformanceTest, RejectsBadSignalsAndUnmappedFds) {
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

TYPED_TEST_P(ProcessConformanceTest, ReadsAnExtraChildFd) {
  this->Start(ChildScript::WriteExtraFd("on fd three"));
  this->RunUntilEnded();
  EXPECT_EQ(this->recorder_.data(3), "on fd three");
  EXPECT_EQ(this->recorder_.out(), "");
  this->ExpectOrderly({0, 1, 2, 3});
}

TYPED_TEST_P(ProcessConformanceTest, ChildClosingStdoutEarlyIsReported) {
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

TYPED_TEST_P(ProcessConformanceTest, LoseConnectionClosesEveryStdioPipe) {
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

TYPED_TEST_P(ProcessConformanceTest, PausedOutputWaitsButTheExitDoesNot) {
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

REGISTER_TYPED_TEST_SUITE_P(
    ProcessConformanceTest, EchoesStdinToStdout, KeepsStderrSeparateFromStdout,
    ReportsExitCodeZeroAsDone, ReportsNonZeroExitCodes, ReportsDeathBySignal,
    ClosingStdinIsEofInTheChild, SignalAfterExitIsFailedPrecondition,
    RejectsBadSignalsAndUnmappedFds, ReadsAnExtraChildFd,
    ChildClosingStdoutEarlyIsReported, LoseConnectionClosesEveryStdioPipe,
    PausedOutputWaitsButTheExitDoesNot);

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_PROCESS_CONFORMANCE_H_
