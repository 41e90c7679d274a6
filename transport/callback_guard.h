// CallbackGuard: how a Reactor keeps a callback's exception inside its loop
// (reactor.h: no exception escapes a reactor). A reactor runs every callback
// it makes (DoRead()/DoWrite(), ConnectionLost(), timed calls) through its
// guard, which turns an exception into a kInternal status, counts it and
// reports it on stderr, so EpollReactor and MemoryReactor treat them alike
// (Twisted logs them and carries on).
//
// Example:
//
//   standin::CallbackGuard guard("EpollReactor");
//   absl::Status status =
//       guard.Call("DoRead", [&] { return selectable->DoRead(); });
//   // A throw became kInternal "DoRead threw: <what()>"; disconnect on !ok.
//   guard.Run("timed call", [&] { callback(); });
//   EXPECT_EQ(guard.unhandled_errors(), 0u);
#ifndef STANDIN_TRANSPORT_CALLBACK_GUARD_H_
#define STANDIN_TRANSPORT_CALLBACK_GUARD_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace standin {

class CallbackGuard {
 public:
  // `owner` prefixes each report on stderr ("EpollReactor: ...").
  explicit CallbackGuard(std::string owner) : owner_(std::move(owner)) {}

  // Runs `call` and returns its status; if it throws, returns kInternal
  // "<what> threw: <what()>" ("<what> threw" for a non-std exception) and
  // counts and reports it.
  absl::Status Call(const char* what, absl::FunctionRef<absl::Status()> call);
  // Runs `call`; an exception is counted and reported, and goes no further.
  void Run(const char* what, absl::FunctionRef<void()> call);
  // Counts and reports an error that is not an exception.
  void Report(std::string_view message);

  // Exceptions caught and errors reported so far.
  size_t unhandled_errors() const { return unhandled_errors_; }

 private:
  std::string owner_;
  size_t unhandled_errors_ = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_CALLBACK_GUARD_H_
