// The process conformance suite: one value-parameterised gtest suite
// (testutil/harness_factory.h, the style every standin conformance suite
// shares) that any ProcessTransport implementation runs, so the fake and the
// real child are held to the same contract (the trio/Twisted "verified
// fake" pattern).
//
// An implementation supplies a ProcessHarness that can start a child playing
// one of a few ChildScripts (cat, write to stdout and stderr, exit with a
// code, sleep until signalled, ...) and can run its event loop until a
// condition holds. The suite then checks what a ProcessProtocol sees: bytes
// per fd, exit codes and signal deaths in the status, closing stdin as EOF
// in the child, SignalProcess() after the exit, pausing the child's output
// (also from ConnectionMade()), and the order of callbacks
// (CheckCallbackOrder()).
//
// Example (process/process_conformance_test.cc does this for both):
//
//   class MyHarness : public standin::testutil::ProcessHarness {
//    public:
//     standin::ProcessTransport* Start(
//         standin::testutil::ProcessRecorder* recorder,
//         const standin::testutil::ChildScript& script) override;
//     void RunUntil(const std::function<bool()>& done) override;
//     void Settle() override;
//   };
//
//   using ::standin::testutil::ProcessConformanceTest;
//   INSTANTIATE_TEST_SUITE_P(
//       Mine, ProcessConformanceTest,
//       ::testing::Values(standin::testutil::ProcessHarnessFactory{
//           "mine", [] { return std::make_unique<MyHarness>(); }}),
//       standin::testutil::ProcessHarnessName);
//
// and link the test against //testutil:process_conformance (alwayslink).
// ProcessRecorder, the protocol the suite uses, is also handy on its own: it
// keeps each fd's bytes and the ordered list of callbacks.
#ifndef STANDIN_TESTUTIL_PROCESS_CONFORMANCE_H_
#define STANDIN_TESTUTIL_PROCESS_CONFORMANCE_H_

#include <functional>
#include <set>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "standin/process/process_transport.h"
#include "standin/testutil/harness_factory.h"
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

// Starts children for the suite and runs whatever delivers their output
// (a script, a reactor).
class ProcessHarness {
 public:
  virtual ~ProcessHarness() = default;
  // Starts a child playing `script` with `recorder` connected (its
  // ConnectionMade() runs inside this call, as Process::Spawn does). Null
  // only after reporting a test failure.
  virtual ProcessTransport* Start(ProcessRecorder* recorder,
                                  const ChildScript& script) = 0;
  // Runs until done() holds; a test failure (ADD_FAILURE) if it never will.
  virtual void RunUntil(const std::function<bool()>& done) = 0;
  // Runs until nothing more happens soon (for "and nothing else happened"
  // checks).
  virtual void Settle() = 0;
};

// The suite's parameter, and its name for INSTANTIATE_TEST_SUITE_P.
using ProcessHarnessFactory = HarnessFactory<ProcessHarness>;
inline std::string ProcessHarnessName(
    const ::testing::TestParamInfo<ProcessHarnessFactory>& info) {
  return HarnessName<ProcessHarness>(info);
}

// The suite. Each test starts its children through a fresh harness.
class ProcessConformanceTest : public ConformanceTest<ProcessHarness> {
 protected:
  ProcessTransport* Start(const ChildScript& script) {
    ProcessTransport* transport = harness_->Start(&recorder_, script);
    EXPECT_NE(transport, nullptr);
    return transport;
  }
  void RunUntil(const std::function<bool()>& done) { harness_->RunUntil(done); }
  void Settle() { harness_->Settle(); }
  void RunUntilEnded() {
    RunUntil([this] { return recorder_.ended().has_value(); });
  }
  // The standard child fds, closed in a valid order.
  void ExpectOrderly(const std::set<int>& fds = {0, 1, 2}) {
    EXPECT_EQ(CheckCallbackOrder(recorder_.calls(), fds), "");
    std::set<int> lost(recorder_.lost().begin(), recorder_.lost().end());
    EXPECT_EQ(lost, fds);
  }

  ProcessRecorder recorder_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_PROCESS_CONFORMANCE_H_
