// How a child process ended, as an absl::Status (Twisted's ProcessDone and
// ProcessTerminated), and the helpers that read the exit code or the
// terminating signal back out of it.
//
// A ProcessProtocol's ProcessExited() and ProcessEnded() receive one of these.
// The choice, made once here: a child that exits with code 0 ended "cleanly"
// and gets ProcessDone(), which is a ConnectionDone() (code kOutOfRange,
// IsConnectionDone() true); any other exit code, and any death by a signal,
// is a ProcessTerminated status, which is a ConnectionLost() (code
// kUnavailable, IsConnectionLost() true). The exit code or signal number
// rides along as a payload, so it survives copies and annotations.
//
// Example:
//
//   void ProcessEnded(const absl::Status& status) override {
//     if (standin::IsProcessDone(status)) return;  // exit code 0
//     if (std::optional<int> code = standin::ExitCodeOf(status)) {
//       std::cerr << "child failed with code " << *code << "\n";
//     } else if (std::optional<int> sig = standin::SignalOf(status)) {
//       std::cerr << "child killed by signal " << *sig << "\n";
//     }
//   }
//   EXPECT_EQ(standin::ExitCodeOf(standin::ProcessExitStatus(3)), 3);
//   EXPECT_EQ(standin::SignalOf(standin::ProcessKilledStatus(SIGKILL)), 9);
#ifndef STANDIN_PROCESS_PROCESS_STATUS_H_
#define STANDIN_PROCESS_PROCESS_STATUS_H_

#include <optional>

#include "absl/status/status.h"

namespace standin {

// The child exited with code 0: kOutOfRange "process finished with exit
// code 0"; IsConnectionDone() and IsProcessDone() are true.
absl::Status ProcessDone();

// The child exited with `exit_code` (0-255): ProcessDone() for 0, otherwise
// kUnavailable "process ended with exit code N" (IsConnectionLost() true).
absl::Status ProcessExitStatus(int exit_code);

// The child was killed by signal `signo`: kUnavailable "process ended by
// signal N (SIGNAME)", with "; core dumped" when `core_dumped`.
absl::Status ProcessKilledStatus(int signo, bool core_dumped = false);

// The status for a waitpid()-style wait status (WIFEXITED/WIFSIGNALED).
absl::Status ProcessStatusFromWait(int wait_status);

// The exit code carried by a process status (0 for ProcessDone()), or
// nullopt when the process was killed by a signal or `status` is not a
// process status.
std::optional<int> ExitCodeOf(const absl::Status& status);

// The terminating signal carried by a process status, or nullopt when the
// process exited normally or `status` is not a process status.
std::optional<int> SignalOf(const absl::Status& status);

// Exit code 0 (Twisted's ProcessDone).
bool IsProcessDone(const absl::Status& status);
// A non-zero exit code or a signal death (Twisted's ProcessTerminated).
bool IsProcessTerminated(const absl::Status& status);

}  // namespace standin

#endif  // STANDIN_PROCESS_PROCESS_STATUS_H_
