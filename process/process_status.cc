#include "standin/process/process_status.h"

#include <string.h>
#include <sys/wait.h>

#include <charconv>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

constexpr char kExitCodeUrl[] = "type.standin.dev/process-exit-code";
constexpr char kSignalUrl[] = "type.standin.dev/process-signal";

// `status` with `base`'s payloads copied in, so the predicates of
// transport/status.h (IsConnectionDone/IsConnectionLost) hold for it.
absl::Status Inherit(absl::Status status, const absl::Status& base) {
  base.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    status.SetPayload(url, payload);
  });
  return status;
}

std::optional<int> IntPayload(const absl::Status& status, const char* url) {
  auto payload = status.GetPayload(url);
  if (!payload.has_value()) return std::nullopt;
  std::string text(*payload);
  int value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

absl::Status ProcessDone() { return ProcessExitStatus(0); }

absl::Status ProcessExitStatus(int exit_code) {
  absl::Status status =
      exit_code == 0
          ? Inherit(absl::OutOfRangeError("process finished with exit code 0"),
                    ConnectionDone())
          : Inherit(absl::UnavailableError(absl::StrCat(
                        "process ended with exit code ", exit_code)),
                    ConnectionLost());
  status.SetPayload(kExitCodeUrl, absl::Cord(std::to_string(exit_code)));
  return status;
}

absl::Status ProcessKilledStatus(int signo, bool core_dumped) {
  const char* abbrev = sigabbrev_np(signo);
  absl::Status status = Inherit(absl::UnavailableError(absl::StrCat(
                                    "process ended by signal ", signo, " (SIG",
                                    abbrev != nullptr ? abbrev : "?", ")",
                                    core_dumped ? "; core dumped" : "")),
                                ConnectionLost());
  status.SetPayload(kSignalUrl, absl::Cord(std::to_string(signo)));
  return status;
}

absl::Status ProcessStatusFromWait(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return ProcessKilledStatus(WTERMSIG(wait_status), WCOREDUMP(wait_status));
  }
  return ProcessExitStatus(WEXITSTATUS(wait_status));
}

std::optional<int> ExitCodeOf(const absl::Status& status) {
  return IntPayload(status, kExitCodeUrl);
}

std::optional<int> SignalOf(const absl::Status& status) {
  return IntPayload(status, kSignalUrl);
}

bool IsProcessDone(const absl::Status& status) {
  return ExitCodeOf(status) == 0;
}

bool IsProcessTerminated(const absl::Status& status) {
  std::optional<int> code = ExitCodeOf(status);
  return (code.has_value() && *code != 0) || SignalOf(status).has_value();
}

}  // namespace standin
