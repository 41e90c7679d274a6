#include "standin/testutil/process_matchers.h"

#include <string.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace standin::testutil::process_matchers_internal {

std::string SignalToString(const FakeProcessTransport::Signal& signal) {
  if (const std::string* name = std::get_if<std::string>(&signal)) {
    return absl::StrCat("\"", *name, "\"");
  }
  return std::to_string(std::get<int>(signal));
}

std::string SignalsToString(
    const std::vector<FakeProcessTransport::Signal>& signals) {
  std::vector<std::string> parts;
  for (const auto& signal : signals) parts.push_back(SignalToString(signal));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

std::string FdsToString(const std::set<int>& fds) {
  return absl::StrCat("{", absl::StrJoin(fds, ", "), "}");
}

std::string DescribeEnding(const absl::Status& status) {
  if (std::optional<int> code = ExitCodeOf(status)) {
    return absl::StrCat("exited with code ", *code);
  }
  if (std::optional<int> signo = SignalOf(status)) {
    const char* abbrev = sigabbrev_np(*signo);
    return absl::StrCat("was killed by signal ", *signo, " (SIG",
                        abbrev != nullptr ? abbrev : "?", ")");
  }
  return absl::StrCat("is not a process status: ", status.ToString());
}

}  // namespace standin::testutil::process_matchers_internal
