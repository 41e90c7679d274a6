#include "standin/process/signal_names.h"

#include <signal.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace standin {

absl::StatusOr<int> SignalNumber(std::string_view name) {
  static constexpr struct {
    std::string_view name;
    int number;
  } kNames[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},
      {"KILL", SIGKILL}, {"TERM", SIGTERM}, {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}, {"STOP", SIGSTOP}, {"CONT", SIGCONT},
  };
  for (const auto& entry : kNames) {
    if (entry.name == name) return entry.number;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown signal name \"", std::string(name),
                   "\" (use HUP, INT, QUIT, KILL, TERM, USR1, USR2, STOP, "
                   "CONT or a number)"));
}

absl::Status CheckSignalNumber(int signo) {
  if (signo < 0 || signo >= NSIG) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid signal number ", signo, " (valid: 0 to ", NSIG - 1, ")"));
  }
  return absl::OkStatus();
}

bool IsFatalByDefault(int signo) {
  switch (signo) {
    case 0:
    case SIGCHLD:
    case SIGCONT:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
    case SIGURG:
    case SIGWINCH:
      return false;
    default:
      return signo > 0 && signo < NSIG;
  }
}

}  // namespace standin
