// gMock matchers for process code: what a FakeProcessTransport recorded
// (ProcessSignalsAre, ClosedChildFdsAre) and how a process ended
// (ExitedWithCode, KilledBySignal), with failure messages that say what
// actually happened.
//
// The transport matchers take a FakeProcessTransport by reference or
// pointer; the status matchers take an absl::Status or a
// std::optional<absl::Status> (e.g. ProcessRecorder::ended()).
//
// Example:
//
//   using namespace standin::testutil;
//   EXPECT_THAT(child, ProcessSignalsAre("TERM", SIGKILL));
//   EXPECT_THAT(child, ClosedChildFdsAre(0, 2));
//   EXPECT_THAT(recorder.ended(), ExitedWithCode(0));
//   EXPECT_THAT(status, KilledBySignal(SIGTERM));
//   // Failure: "which was killed by signal 9 (SIGKILL)"
#ifndef STANDIN_TESTUTIL_PROCESS_MATCHERS_H_
#define STANDIN_TESTUTIL_PROCESS_MATCHERS_H_

#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process_status.h"
#include "standin/testutil/matchers.h"

namespace standin::testutil {
namespace process_matchers_internal {

using matchers_internal::Deref;

// "TERM" or 9, as the protocol gave it.
std::string SignalToString(const FakeProcessTransport::Signal& signal);
std::string SignalsToString(
    const std::vector<FakeProcessTransport::Signal>& signals);
std::string FdsToString(const std::set<int>& fds);
// "exited with code 3", "was killed by signal 9 (SIGKILL)", or "is not a
// process status: <status>".
std::string DescribeEnding(const absl::Status& status);

class SignalsAreMatcher {
 public:
  explicit SignalsAreMatcher(std::vector<FakeProcessTransport::Signal> want)
      : want_(std::move(want)) {}
  template <typename T>
  bool MatchAndExplain(const T& transport,
                       testing::MatchResultListener* listener) const {
    const auto& got = Deref(transport).signals();
    if (got == want_) return true;
    *listener << "whose signals are " << SignalsToString(got);
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "was sent the signals " << SignalsToString(want_);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "was not sent exactly the signals " << SignalsToString(want_);
  }

 private:
  std::vector<FakeProcessTransport::Signal> want_;
};

class ClosedFdsMatcher {
 public:
  explicit ClosedFdsMatcher(std::set<int> want) : want_(std::move(want)) {}
  template <typename T>
  bool MatchAndExplain(const T& transport,
                       testing::MatchResultListener* listener) const {
    const std::set<int>& got = Deref(transport).closed_child_fds();
    if (got == want_) return true;
    *listener << "whose closed child fds are " << FdsToString(got);
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "had exactly the child fds " << FdsToString(want_) << " closed";
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "did not have exactly the child fds " << FdsToString(want_)
        << " closed";
  }

 private:
  std::set<int> want_;
};

// Matches a status (or an optional one) for which `get` returns `want`.
class EndingMatcher {
 public:
  enum class What { kExitCode, kSignal };
  EndingMatcher(What what, int want) : what_(what), want_(want) {}

  bool MatchAndExplain(const absl::Status& status,
                       testing::MatchResultListener* listener) const {
    std::optional<int> got =
        what_ == What::kExitCode ? ExitCodeOf(status) : SignalOf(status);
    if (got == want_) return true;
    *listener << "which " << DescribeEnding(status);
    return false;
  }
  bool MatchAndExplain(const std::optional<absl::Status>& status,
                       testing::MatchResultListener* listener) const {
    if (!status.has_value()) {
      *listener << "which has not ended (nullopt)";
      return false;
    }
    return MatchAndExplain(*status, listener);
  }
  void DescribeTo(std::ostream* os) const {
    *os << (what_ == What::kExitCode
                ? DescribeEnding(ProcessExitStatus(want_))
                : DescribeEnding(ProcessKilledStatus(want_)));
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "not ";
    DescribeTo(os);
  }

 private:
  What what_;
  int want_;
};

}  // namespace process_matchers_internal

// The FakeProcessTransport's signals() are exactly these, in order; each a
// name ("TERM") or a number (SIGKILL), compared as given.
template <typename... Signals>
auto ProcessSignalsAre(Signals&&... signals) {
  std::vector<FakeProcessTransport::Signal> want;
  (want.emplace_back([](auto&& s) -> FakeProcessTransport::Signal {
    if constexpr (std::is_convertible_v<decltype(s), std::string>) {
      return std::string(s);
    } else {
      return static_cast<int>(s);
    }
  }(std::forward<Signals>(signals))),
   ...);
  return testing::MakePolymorphicMatcher(
      process_matchers_internal::SignalsAreMatcher(std::move(want)));
}

// The FakeProcessTransport's closed_child_fds() are exactly these.
template <typename... Fds>
auto ClosedChildFdsAre(Fds... fds) {
  return testing::MakePolymorphicMatcher(
      process_matchers_internal::ClosedFdsMatcher(
          std::set<int>{static_cast<int>(fds)...}));
}

// A process status (or optional one) saying the child exited with `code`.
inline auto ExitedWithCode(int code) {
  return testing::MakePolymorphicMatcher(
      process_matchers_internal::EndingMatcher(
          process_matchers_internal::EndingMatcher::What::kExitCode, code));
}

// A process status (or optional one) saying signal `signo` killed the child.
inline auto KilledBySignal(int signo) {
  return testing::MakePolymorphicMatcher(
      process_matchers_internal::EndingMatcher(
          process_matchers_internal::EndingMatcher::What::kSignal, signo));
}

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_PROCESS_MATCHERS_H_
