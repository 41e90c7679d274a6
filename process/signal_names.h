// Signal names and numbers as ProcessTransport::SignalProcess() accepts them.
//
// The portable names Twisted translates ("HUP", "INT", "KILL", "TERM",
// "STOP"), plus "QUIT", "USR1", "USR2" and "CONT", map to their numbers; a
// number is accepted when the kernel knows it (0 to NSIG-1; 0 only checks
// that the process exists). Anything else is InvalidArgument naming it.
//
// Example:
//
//   absl::StatusOr<int> signo = standin::SignalNumber("TERM");  // SIGTERM
//   EXPECT_FALSE(standin::SignalNumber("TEMR").ok());
//   EXPECT_TRUE(standin::CheckSignalNumber(SIGKILL).ok());
//   EXPECT_TRUE(standin::IsFatalByDefault(SIGTERM));
//   EXPECT_FALSE(standin::IsFatalByDefault(SIGCHLD));
#ifndef STANDIN_PROCESS_SIGNAL_NAMES_H_
#define STANDIN_PROCESS_SIGNAL_NAMES_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace standin {

// The number for a portable signal name (without "SIG"); InvalidArgument
// "unknown signal name \"X\"" otherwise.
absl::StatusOr<int> SignalNumber(std::string_view name);

// OK when 0 <= signo < NSIG; InvalidArgument "invalid signal number N".
absl::Status CheckSignalNumber(int signo);

// Whether the default action of `signo` ends the process (terminate or
// core dump), i.e. whether an unprepared child dies of it.
bool IsFatalByDefault(int signo);

}  // namespace standin

#endif  // STANDIN_PROCESS_SIGNAL_NAMES_H_
