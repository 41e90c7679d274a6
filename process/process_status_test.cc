#include "standin/process/process_status.h"

#include <signal.h>
#include <sys/wait.h>

#include "gtest/gtest.h"
#include "standin/process/signal_names.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

TEST(ProcessStatusTest, ExitCodeZeroIsProcessDoneAndConnectionDone) {
  absl::Status done = ProcessDone();
  EXPECT_EQ(done.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(done.message(), "process finished with exit code 0");
  EXPECT_TRUE(IsProcessDone(done));
  EXPECT_FALSE(IsProcessTerminated(done));
  EXPECT_TRUE(IsConnectionDone(done));
  EXPECT_EQ(ExitCodeOf(done), 0);
  EXPECT_EQ(SignalOf(done), std::nullopt);
  EXPECT_EQ(ProcessExitStatus(0), done);
}

TEST(ProcessStatusTest, NonZeroExitIsTerminatedAndConnectionLost) {
  absl::Status failed = ProcessExitStatus(3);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failed.message(), "process ended with exit code 3");
  EXPECT_TRUE(IsProcessTerminated(failed));
  EXPECT_FALSE(IsProcessDone(failed));
  EXPECT_TRUE(IsConnectionLost(failed));
  EXPECT_EQ(ExitCodeOf(failed), 3);
  EXPECT_EQ(SignalOf(failed), std::nullopt);
}

TEST(ProcessStatusTest, SignalDeathCarriesTheSignal) {
  absl::Status killed = ProcessKilledStatus(SIGKILL);
  EXPECT_EQ(killed.message(), "process ended by signal 9 (SIGKILL)");
  EXPECT_EQ(SignalOf(killed), SIGKILL);
  EXPECT_EQ(ExitCodeOf(killed), std::nullopt);
  EXPECT_TRUE(IsProcessTerminated(killed));
  EXPECT_TRUE(IsConnectionLost(killed));
  EXPECT_EQ(ProcessKilledStatus(SIGSEGV, true).message(),
            "process ended by signal 11 (SIGSEGV); core dumped");
}

TEST(ProcessStatusTest, FromWaitStatus) {
  // Wait statuses as the kernel encodes them: exit code in bits 8-15,
  // signal in bits 0-6, core flag 0x80.
  EXPECT_EQ(ExitCodeOf(ProcessStatusFromWait(0)), 0);
  EXPECT_EQ(ExitCodeOf(ProcessStatusFromWait(42 << 8)), 42);
  EXPECT_EQ(SignalOf(ProcessStatusFromWait(SIGTERM)), SIGTERM);
  EXPECT_EQ(SignalOf(ProcessStatusFromWait(SIGABRT | 0x80)), SIGABRT);
}

TEST(ProcessStatusTest, OtherStatusesCarryNeither) {
  for (const absl::Status& status :
       {absl::OkStatus(), ConnectionDone(), ConnectionLost(),
        absl::InternalError("x")}) {
    EXPECT_EQ(ExitCodeOf(status), std::nullopt) << status;
    EXPECT_EQ(SignalOf(status), std::nullopt) << status;
    EXPECT_FALSE(IsProcessDone(status));
    EXPECT_FALSE(IsProcessTerminated(status));
  }
}

TEST(ProcessStatusTest, SurvivesCopiesAndAnnotation) {
  absl::Status status = ProcessExitStatus(7);
  absl::Status copy = status;
  EXPECT_EQ(ExitCodeOf(copy), 7);
}

TEST(SignalNamesTest, PortableNames) {
  EXPECT_EQ(*SignalNumber("KILL"), SIGKILL);
  EXPECT_EQ(*SignalNumber("TERM"), SIGTERM);
  EXPECT_EQ(*SignalNumber("INT"), SIGINT);
  EXPECT_EQ(*SignalNumber("HUP"), SIGHUP);
  EXPECT_EQ(*SignalNumber("STOP"), SIGSTOP);
}

TEST(SignalNamesTest, UnknownNamesAreInvalidArgumentNamingThem) {
  for (const char* name : {"", "SIGTERM", "term", "TEMR", "9"}) {
    absl::StatusOr<int> signo = SignalNumber(name);
    ASSERT_FALSE(signo.ok()) << name;
    EXPECT_EQ(signo.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(signo.status().message().find(std::string("\"") + name + "\""),
              absl::string_view::npos)
        << signo.status();
  }
}

TEST(SignalNamesTest, Numbers) {
  EXPECT_TRUE(CheckSignalNumber(0).ok());
  EXPECT_TRUE(CheckSignalNumber(SIGKILL).ok());
  EXPECT_TRUE(CheckSignalNumber(NSIG - 1).ok());
  EXPECT_EQ(CheckSignalNumber(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckSignalNumber(NSIG).message(),
            "invalid signal number 65 (valid: 0 to 64)");
}

TEST(SignalNamesTest, FatalByDefault) {
  EXPECT_TRUE(IsFatalByDefault(SIGTERM));
  EXPECT_TRUE(IsFatalByDefault(SIGKILL));
  EXPECT_TRUE(IsFatalByDefault(SIGPIPE));
  EXPECT_FALSE(IsFatalByDefault(0));
  EXPECT_FALSE(IsFatalByDefault(SIGCHLD));
  EXPECT_FALSE(IsFatalByDefault(SIGSTOP));
  EXPECT_FALSE(IsFatalByDefault(SIGCONT));
}

}  // namespace
}  // namespace standin
